// Unread counts per panel. A panel that registers `news(e, view)` (js/registry.js) gets a badge in
// its heading counting the events that are news to it (from others, after this seat last looked at
// that panel): a new inject in the seat's injects, a new proposal in the decisions, a request for
// assistance. Going into the panel (a click, a tap, the keyboard's focus) or pressing the badge
// reads them. What each panel has seen is kept per exercise, seat and panel in localStorage (a seq),
// so a reload does not make old news new. (The feed keeps its own count, which is also the page
// title's: js/views/feed.js.)

import { h, setText } from "../dom.js";
import { t } from "../i18n.js";

const KEY = (exerciseId, seat, panel) => `ttx.seen.${exerciseId}.${seat}.${panel}`;

function load(key) {
  try {
    const raw = localStorage.getItem(key);
    const n = Number(raw);
    return raw !== null && Number.isInteger(n) && n >= 0 ? n : null;
  } catch {
    return null;
  }
}

function save(key, seq) {
  try {
    localStorage.setItem(key, String(seq));
  } catch { /* storage disabled: the count lives with the page */ }
}

/** The unread count of one panel: {update(ctx)}; the badge goes into the panel's heading. */
export function unreadCount({ id, el, news }) {
  const badge = h("button", { type: "button", class: "unread-badge panel-unread", id: `${id}-unread`, hidden: true });
  const heading = el.querySelector("h2, h3");
  if (heading) heading.append(" ", badge);
  let key = null;
  let seen = 0;
  let lastSeq = 0;
  let done = 0; // events looked at so far
  let count = 0;
  let title = heading ? heading.textContent : id;

  function show() {
    badge.hidden = count === 0;
    setText(badge, t("{n} new", { n: count }));
    badge.setAttribute("aria-label", t("{panel}: {n} new, show", { panel: title, n: count }));
  }
  function read() {
    if (!key || (seen === lastSeq && count === 0)) return;
    seen = lastSeq;
    save(key, seen);
    count = 0;
    show();
  }
  el.addEventListener("pointerdown", read);
  el.addEventListener("focusin", read);
  badge.addEventListener("click", () => { read(); el.scrollIntoView({ block: "start" }); });

  return {
    update(ctx) {
      const { events, view } = ctx;
      if (key === null) {
        title = heading ? heading.firstChild.textContent : id;
        key = KEY(ctx.exerciseId, view.seat, id);
        const kept = load(key);
        // the first visit: what happened before it is not news
        seen = kept === null ? (events.length ? events[events.length - 1].seq : 0) : kept;
        if (kept === null) save(key, seen);
      }
      if (events.length === done) return;
      for (let i = done; i < events.length; i += 1) {
        const e = events[i];
        if (e.seq <= lastSeq) continue;
        lastSeq = e.seq;
        if (e.seq > seen && e.actor !== view.seat && news(e, view)) count += 1;
      }
      done = events.length;
      show();
    },
  };
}
