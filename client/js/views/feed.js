// The live feed: every event this seat may see, oldest first, each once (keyed by seq), injects
// standing out. New items are announced politely to screen readers.

import { describeEvent } from "../describe.js";
import { h } from "../dom.js";
import { ALL_ROLES, registerPanel } from "../registry.js";
import { seatName } from "../words.js";
import { panel, when } from "./common.js";
import { t } from "../i18n.js";

export function feedItem(view, e) {
  const d = describeEvent(e, view);
  return h("li", { class: ["feed-item", `k-${d.kind}`], dataset: { seq: String(e.seq), type: e.type } },
    h("div", { class: "meta" }, when(view, e.exercise_time), " ",
      h("span", { class: "actor" }, seatName(view, e.actor)),
      h("span", { class: "seq", "aria-label": t("event {seq}", { seq: e.seq }) }, `#${e.seq}`)),
    d.kind === "inject" ? h("p", { class: "inject-title" }, h("strong", {}, t("Inject:"), " "), d.title) : null,
    d.kind === "inject" && d.body ? h("p", { class: "inject-body" }, d.body) : null,
    h("p", { class: "text" }, d.text));
}

export function feedPanel({ title = t("Live feed"), filter } = {}) {
  const p = panel(title, { className: "feed-panel", id: "feed" });
  const onlyInjects = h("input", { type: "checkbox", id: "feed-injects-only" });
  const list = h("ol", { class: "feed", id: "feed-list", "aria-live": "polite", "aria-relevant": "additions", tabIndex: 0,
    "aria-label": t("Events, oldest first") });
  const empty = h("p", { class: "note" }, t("Nothing has happened yet."));
  p.body.append(h("div", { class: "feed-tools" }, onlyInjects, h("label", { for: onlyInjects.id }, t("Injects only"))), empty, list);
  onlyInjects.addEventListener("change", () => list.classList.toggle("injects-only", onlyInjects.checked));
  let shown = 0; // events rendered so far (the feed only grows, in seq order)
  let lastSeq = 0;

  function update(ctx) {
    const events = ctx.events;
    empty.hidden = events.length > 0;
    if (events.length === shown) return;
    const nearBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
    const frag = document.createDocumentFragment();
    for (let i = shown; i < events.length; i += 1) {
      const e = events[i];
      if (e.seq <= lastSeq) continue; // never twice, never out of order
      lastSeq = e.seq;
      if (filter && !filter(e, ctx)) continue;
      frag.append(feedItem(ctx.view, e));
    }
    shown = events.length;
    list.append(frag);
    if (nearBottom) list.scrollTop = list.scrollHeight;
  }
  return { el: p.el, update };
}

registerPanel({ id: "feed", column: "side", order: 30, roles: ALL_ROLES,
  create: (env) => feedPanel({ title: { facilitator: t("Every event"), observer: t("Events") }[env.role] || t("Live feed") }) });
