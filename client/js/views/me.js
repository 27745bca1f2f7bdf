// "Your seat": who I am, my standing in the scenario's words, my bodies, the moves my seat may
// make (from `me.may`, `me.proposes_in`, `me.convenes`), and my briefing.

import { fill, h } from "../dom.js";
import { registerPanel } from "../registry.js";
import { bodyName, exerciseSummary, moveTitle, seatHead, seatName, standing, textOf } from "../words.js";
import { facts, panel } from "./common.js";
import { t } from "../i18n.js";

export function mePanel() {
  const p = panel(t("Your seat"), { className: "me", id: "me" });
  const info = h("div", {});
  const briefing = h("details", { class: "briefing", open: true }, h("summary", {}, t("Briefing")), h("p", { id: "briefing-text" }));
  const scenario = h("details", { class: "scenario" }, h("summary", {}, t("The scenario")), h("p", { class: "scenario-summary" }));
  p.body.append(info, briefing, scenario);
  let key = null;
  return {
    el: p.el,
    update(ctx) {
      const v = ctx.view;
      const me = v.me;
      const k = JSON.stringify([me, v.exercise.summary, v.bodies.map((b) => b.members), v.words && v.words.moves]);
      if (k === key) return;
      key = k;
      if (!me) {
        fill(info, facts([[t("Role"), v.seat === "observer" ? t("Observer: you watch everything public, read-only") : t("Facilitator")]]));
        briefing.hidden = true;
      } else {
        const bodies = v.bodies.filter((b) => b.members.includes(me.seat)).map((b) => `${bodyName(v, b.id)} (${b.id})`);
        const moves = Object.keys(me.may || {}).map((m) => moveTitle(v, m));
        if ((me.proposes_in || []).length) {
          moves.push(`${moveTitle(v, "propose_decision")}: ${me.proposes_in.map((b) => bodyName(v, b)).join(", ")}`);
        }
        if ((me.convenes || []).length) {
          moves.push(`${moveTitle(v, "convene_session")}: ${me.convenes.map((b) => bodyName(v, b)).join(", ")}`);
        }
        fill(info, facts([
          [t("Seat"), `${seatName(v, me.seat)} (${me.seat})`],
          me.head ? [t("Speaking as"), seatHead(v, me)] : null,
          [t("Status"), standing(v, me)],
          bodies.length ? [t("Member of"), bodies.join(", ")] : null,
          moves.length ? [t("Your moves"), h("ul", { class: "moves" }, moves.map((m) => h("li", {}, m)))] : null,
        ]));
        const text = textOf(me.briefing);
        briefing.hidden = !text;
        fill(briefing.querySelector("p"), text);
      }
      fill(scenario.querySelector("p"), exerciseSummary(v));
    },
  };
}

registerPanel({ id: "me", column: "side", order: 10, roles: ["participant"], create: () => mePanel() });
