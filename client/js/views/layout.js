// The page for each kind of seat, assembled from the panels the areas registered
// (js/registry.js, loaded by js/slices.js): each panel says which tab and column it goes in, in
// what order, and for which roles (participant, facilitator, observer). Every panel has
// update(ctx) (after each change) and may have tick(ctx) (every second, for clocks and
// countdowns); a Review panel may have activate(ctx) and deactivate() (when its tab is shown or
// left). Participants get the Review tab once the exercise has ended; the staff always.

import { h, setText } from "../dom.js";
import { panelsFor } from "../registry.js";
import { unreadCount } from "./attention.js";
import { connectionBanner, header } from "./header.js";
import { tabs } from "./tabs.js";
import { t } from "../i18n.js";

export function roleOf(view) {
  return view.seat === "facilitator" || view.seat === "observer" ? view.seat : "participant";
}

export function buildLayout({ exerciseId, token, send, view, ctxOf }) {
  const role = roleOf(view);
  const staff = role !== "participant";
  const env = { send, exerciseId, token, view, role, ctxOf };
  const top = header();
  const banner = connectionBanner();
  const parts = [top, banner];
  const make = (specs) => specs.map((spec) => spec.create(env));
  const sideSpecs = panelsFor(role, view, { column: "side" });
  const mainSpecs = panelsFor(role, view, { column: "main" });
  const side = make(sideSpecs);
  const main = make(mainSpecs);
  parts.push(...side, ...main);
  // each live panel that says what is news to it counts it (after the panels, so it sees their headings)
  [...sideSpecs, ...mainSpecs].forEach((spec, i) => {
    if (spec.news) parts.push(unreadCount({ id: spec.id, el: [...side, ...main][i].el, news: spec.news }));
  });
  const live = h("div", { class: ["layout", staff ? "staff" : "participant"] },
    h("div", { class: "col-main" }, main.map((p) => p.el)), h("div", { class: "col-side" }, side.map((p) => p.el)));

  const reviewParts = make(panelsFor(role, view, { tab: "review" }));
  const review = h("div", { class: "layout review" }, reviewParts.map((p) => p.el));
  const tb = tabs([
    { id: "live", label: staff ? (role === "facilitator" ? t("Console") : t("Overview")) : t("Exercise"), panel: live },
    { id: "review", label: t("Review"), panel: review,
      onShow: () => { const c = ctxOf(); for (const p of reviewParts) if (p.activate) p.activate(c); },
      onHide: () => { for (const p of reviewParts) if (p.deactivate) p.deactivate(); } },
  ]);
  // why moves are closed right now (not started, paused, ended), said once for the whole page
  const notice = h("p", { class: "why-not", id: "why-not", role: "status" });
  parts.push({ el: notice, update: (ctx) => {
    setText(notice, ctx.perms.whyNot);
    notice.hidden = !ctx.perms.whyNot || (ctx.perms.staff && !ctx.perms.readOnly && !ctx.perms.ended);
  } });
  const el = h("div", { class: "page" },
    h("a", { class: "skip", href: "#main" }, t("Skip to the exercise")),
    top.el, banner.el, h("main", { id: "main", tabIndex: -1 }, notice, tb.el, tb.panels));
  tb.select("live");
  tb.setVisible("review", staff);

  return {
    el,
    update(ctx) {
      for (const p of parts) p.update(ctx);
      if (!staff) tb.setVisible("review", ctx.view.exercise.status === "ended");
      if (tb.current() === "review") for (const p of reviewParts) if (p.update) p.update(ctx);
    },
    tick(ctx) {
      for (const p of parts) if (p.tick) p.tick(ctx);
    },
  };
}
