// The page for each kind of seat, assembled from the panels. Every panel has update(ctx) (after
// each change) and may have tick(ctx) (every second, for clocks and countdowns).
//   participant (state or office): briefing, feed, control channel | decisions, assistance,
//     consultations, threats and UN, sessions, accession; a Review tab once the exercise ends
//   facilitator: clock, presence, feed of every event, control channel, observations | injects,
//     compose, and the same overview panels (read-only); a Review tab with replay and report
//   observer: the facilitator's view without controls, and the Review tab

import { h, setText } from "../dom.js";
import { assistancePanel } from "./assistance.js";
import { clockControls, composeInject, injectsPanel, messageSeat, observationsPanel, presencePanel } from "./console.js";
import { consultationsPanel } from "./consultations.js";
import { controlConsole, controlPanel } from "./control.js";
import { decisionsPanel } from "./decisions.js";
import { feedPanel } from "./feed.js";
import { connectionBanner, header } from "./header.js";
import { mePanel } from "./me.js";
import { accessionPanel, sessionsPanel, threatsPanel } from "./moves.js";
import { comparePanel, reportPanel } from "./report.js";
import { forkPanel } from "./fork.js";
import { reviewPanel } from "./review.js";
import { tabs } from "./tabs.js";

export function buildLayout({ exerciseId, token, send, view, ctxOf }) {
  const staff = view.seat === "facilitator" || view.seat === "observer";
  const top = header();
  const banner = connectionBanner();
  const parts = [top, banner];
  const add = (p) => {
    parts.push(p);
    return p.el;
  };

  const overview = [decisionsPanel(send), assistancePanel(send), consultationsPanel(send), threatsPanel(send),
    sessionsPanel(send), accessionPanel(send)];
  let side;
  let main;
  if (staff) {
    const facilitator = view.seat === "facilitator";
    let control;
    if (facilitator) {
      const msg = messageSeat(send);
      control = controlConsole(send);
      parts.push(msg);
      control.el.querySelector(".panel-body").prepend(msg.el);
    } else {
      control = controlPanel(send);
    }
    side = [add(clockControls(send)), add(presencePanel()), add(feedPanel({ title: facilitator ? "Every event" : "Events" })),
      add(control), add(observationsPanel(send))];
    main = [add(injectsPanel(send)), add(composeInject(send)), ...overview.map(add)];
  } else {
    side = [add(mePanel()), add(feedPanel()), add(controlPanel(send))];
    main = overview.map(add);
  }
  const live = h("div", { class: ["layout", staff ? "staff" : "participant"] },
    h("div", { class: "col-main" }, main), h("div", { class: "col-side" }, side));

  const replay = reviewPanel({ exerciseId, token });
  const reviewParts = [replay];
  const reviewEls = [replay.el];
  let report = null;
  if (staff) {
    report = reportPanel({ exerciseId, token, send });
    reviewParts.push(report);
    reviewEls.push(report.el);
    if (view.seat === "facilitator" && !view.read_only) {
      const fork = forkPanel({ exerciseId, token });
      reviewParts.push(fork);
      reviewEls.push(fork.el);
    }
    reviewEls.push(comparePanel({ exerciseId, token }).el);
  }
  const review = h("div", { class: "layout review" }, reviewEls);
  const t = tabs([
    { id: "live", label: staff ? (view.seat === "facilitator" ? "Console" : "Overview") : "Exercise", panel: live },
    { id: "review", label: "Review", panel: review,
      onShow: () => { const c = ctxOf(); for (const p of reviewParts) p.activate(c); },
      onHide: () => replay.deactivate() },
  ]);
  // why moves are closed right now (not started, paused, ended), said once for the whole page
  const notice = h("p", { class: "why-not", id: "why-not", role: "status" });
  parts.push({ el: notice, update: (ctx) => {
    setText(notice, ctx.perms.whyNot);
    notice.hidden = !ctx.perms.whyNot || (ctx.perms.staff && !ctx.perms.readOnly && !ctx.perms.ended);
  } });
  const el = h("div", { class: "page" },
    h("a", { class: "skip", href: "#main" }, "Skip to the exercise"),
    top.el, banner.el, h("main", { id: "main", tabIndex: -1 }, notice, t.el, t.panels));
  t.select("live");
  t.setVisible("review", staff);

  return {
    el,
    update(ctx) {
      for (const p of parts) p.update(ctx);
      if (!staff) t.setVisible("review", ctx.view.exercise.status === "ended");
      if (t.current() === "review") for (const p of reviewParts) p.update(ctx);
    },
    tick(ctx) {
      for (const p of parts) if (p.tick) p.tick(ctx);
    },
  };
}
