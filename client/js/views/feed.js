// The live feed: every event this seat may see, oldest first, each once (keyed by seq), injects
// standing out. New items are announced politely to screen readers. A move the white cell made for
// a seat says "played by control". The page starts with the most recent events; "Show older" at
// the top reads the page before them (js/store.js), as often as there are older ones.
//
// Attention: the injects and control-channel messages that reach this seat after it last looked
// are counted as unread, in a badge on the feed and in the page title ("(2) ..."); pressing the
// badge (or going into the feed) shows them and clears the count. What the seat has seen is kept
// per exercise and seat in localStorage (a seq), so a reload does not make old news new.

import { describeEvent } from "../describe.js";
import { h, setText } from "../dom.js";
import { ALL_ROLES, registerPanel } from "../registry.js";
import { seatName } from "../words.js";
import { panel, when } from "./common.js";
import { t } from "../i18n.js";


export function feedItem(view, e) {
  const d = describeEvent(e, view);
  return h("li", { class: ["feed-item", `k-${d.kind}`, e.played_by ? "played-by" : null], dataset: { seq: String(e.seq), type: e.type } },
    h("div", { class: "meta" }, when(view, e.exercise_time), " ",
      h("span", { class: "actor" }, seatName(view, e.actor)),
      e.played_by ? h("span", { class: "played-by-note", title: t("The facilitator made this move for the seat") }, t("played by control")) : null,
      h("span", { class: "seq", "aria-label": t("event {seq}", { seq: e.seq }) }, `#${e.seq}`)),
    d.kind === "inject" ? h("p", { class: "inject-title" }, h("strong", {}, t("Inject:"), " "), d.title) : null,
    d.kind === "inject" && d.body ? h("p", { class: "inject-body" }, d.body) : null,
    h("p", { class: "text" }, d.text));
}

/** Whether an event calls for this seat's attention: an inject or a control-channel message to it. */
export function wantsAttention(view, e) {
  const me = view.seat;
  if (e.actor === me) return false;
  if (me === "facilitator") return e.type === "control_message_sent";
  if (e.type === "control_message_answered") return e.data && e.data.seat === me;
  return describeEvent(e, view).kind === "inject";
}

const SEEN = (exerciseId, seat) => `ttx.seen.${exerciseId}.${seat}`;

function loadSeen(key) {
  try {
    const n = Number(localStorage.getItem(key));
    return Number.isInteger(n) && n >= 0 && localStorage.getItem(key) !== null ? n : null;
  } catch {
    return null;
  }
}

function saveSeen(key, seq) {
  try {
    localStorage.setItem(key, String(seq));
  } catch {
    /* storage disabled: the count lives with the page */
  }
}

/** The page title with the unread count in front ("(2) TJK · ..."), or without it. */
export function titled(title, n) {
  const base = String(title).replace(/^\(\d+\) /, "");
  return n > 0 ? `(${n}) ${base}` : base;
}

export function feedPanel({ title = t("Live feed"), filter } = {}) {
  const p = panel(title, { className: "feed-panel", id: "feed" });
  const unreadButton = h("button", { type: "button", class: "unread-badge", id: "feed-unread", hidden: true });
  p.heading.append(" ", unreadButton);
  const onlyInjects = h("input", { type: "checkbox", id: "feed-injects-only" });
  const list = h("ol", { class: "feed", id: "feed-list", "aria-live": "polite", "aria-relevant": "additions", tabIndex: 0,
    "aria-label": t("Events, oldest first") });
  const empty = h("p", { class: "note" }, t("Nothing has happened yet."));
  const older = h("button", { type: "button", class: "show-older", id: "feed-older", hidden: true }, t("Show older"));
  const olderStatus = h("span", { class: "note", role: "status" });
  p.body.append(h("div", { class: "feed-tools" }, onlyInjects, h("label", { for: onlyInjects.id }, t("Injects only"))), empty,
    h("div", { class: "older" }, older, " ", olderStatus), list);
  onlyInjects.addEventListener("change", () => list.classList.toggle("injects-only", onlyInjects.checked));
  let shown = 0; // events rendered so far: a run of ctx.events in seq order, grown at both ends
  let firstSeq = Infinity;
  let lastSeq = 0;
  let store = null;
  older.addEventListener("click", () => {
    if (!store) return;
    older.disabled = true;
    setText(olderStatus, t("Loading…"));
    store.loadOlderEvents().then(() => setText(olderStatus, ""), (e) => setText(olderStatus, e.message))
      .finally(() => { older.disabled = false; });
  });
  let seenKey = null;
  let seen = null; // the last seq this seat has looked at
  let unread = []; // the list items waiting to be seen

  function showUnread() {
    const n = unread.length;
    unreadButton.hidden = n === 0;
    setText(unreadButton, t("{n} new", { n }));
    unreadButton.setAttribute("aria-label", n === 1 ? t("1 new inject or message: show") : t("{n} new injects or messages: show", { n }));
    document.title = titled(document.title, n);
  }

  function markSeen() {
    if (seen === lastSeq && !unread.length) return;
    seen = lastSeq;
    if (seenKey) saveSeen(seenKey, seen);
    for (const li of unread) li.classList.remove("unread");
    unread = [];
    showUnread();
  }

  unreadButton.addEventListener("click", () => {
    const first = unread[0];
    if (first) {
      list.scrollTop = Math.max(0, first.offsetTop - list.offsetTop - 8);
      first.scrollIntoView({ block: "nearest" });
    }
    markSeen();
    list.focus({ preventScroll: true });
  });
  list.addEventListener("focus", markSeen);
  list.addEventListener("pointerdown", markSeen);

  function item(ctx, e) {
    const li = feedItem(ctx.view, e);
    if (e.seq > seen && wantsAttention(ctx.view, e)) {
      li.classList.add("unread");
      unread.push(li);
    }
    return li;
  }

  function update(ctx) {
    const events = ctx.events;
    store = ctx.store || null;
    older.hidden = !(store && store.eventsPage && store.eventsPage.has_more);
    if (seenKey === null) {
      seenKey = SEEN(ctx.exerciseId, ctx.view.seat);
      seen = loadSeen(seenKey);
      if (seen === null) { // the first visit: what happened before it is not news
        seen = events.length ? events[events.length - 1].seq : 0;
        saveSeen(seenKey, seen);
      }
    }
    empty.hidden = events.length > 0;
    if (events.length === shown) return;
    // older events read on demand come first in ctx.events: they go on top, the reader's place kept
    let before = 0;
    while (shown > 0 && before < events.length && events[before].seq < firstSeq) before += 1;
    if (before > 0) {
      const top = document.createDocumentFragment();
      for (let i = 0; i < before; i += 1) {
        if (!filter || filter(events[i], ctx)) top.append(item(ctx, events[i]));
      }
      const height = list.scrollHeight;
      list.prepend(top);
      list.scrollTop += list.scrollHeight - height;
      firstSeq = events[0].seq;
      shown += before;
    }
    const nearBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
    const frag = document.createDocumentFragment();
    for (let i = shown; i < events.length; i += 1) {
      const e = events[i];
      if (e.seq <= lastSeq) continue; // never twice, never out of order
      lastSeq = e.seq;
      firstSeq = Math.min(firstSeq, e.seq);
      if (filter && !filter(e, ctx)) continue;
      frag.append(item(ctx, e));
    }
    shown = events.length;
    list.append(frag);
    if (nearBottom) list.scrollTop = list.scrollHeight;
    showUnread();
  }
  return { el: p.el, update };
}

registerPanel({ id: "feed", column: "side", order: 30, roles: ALL_ROLES,
  create: (env) => feedPanel({ title: { facilitator: t("Every event"), observer: t("Events") }[env.role] || t("Live feed") }) });
