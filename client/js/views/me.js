// "Your seat": who I am, what my seat may do, and my briefing.

import { humanize } from "../describe.js";
import { fill, h } from "../dom.js";
import { facts, panel } from "./common.js";

export function mePanel() {
  const p = panel("Your seat", { className: "me", id: "me" });
  const info = h("div", {});
  const briefing = h("details", { class: "briefing", open: true }, h("summary", {}, "Briefing"), h("p", { id: "briefing-text" }));
  const scenario = h("details", { class: "scenario" }, h("summary", {}, "The scenario"), h("p", { class: "scenario-summary" }));
  p.body.append(info, briefing, scenario);
  let key = null;
  return {
    el: p.el,
    update(ctx) {
      const v = ctx.view;
      const me = v.me;
      const k = JSON.stringify([me, v.exercise.summary, v.bodies.map((b) => b.members)]);
      if (k === key) return;
      key = k;
      if (!me) {
        fill(info, facts([["Role", v.seat === "observer" ? "Observer: you watch everything public, read-only" : "Facilitator"]]));
        briefing.hidden = true;
      } else {
        const bodies = v.bodies.filter((b) => b.members.includes(me.seat)).map((b) => `${b.name} (${b.id})`);
        fill(info, facts([
          ["Seat", `${me.name} (${me.seat})`],
          me.head ? ["Speaking as", me.head] : null,
          ["Status", me.kind === "office" ? "office" : me.status === "member" ? "participating state" : "non-signatory: limited rights"],
          bodies.length ? ["Member of", bodies.join(", ")] : null,
          me.powers && me.powers.length ? ["Powers", me.powers.map(humanize).join(", ")] : null,
        ]));
        briefing.hidden = !me.briefing;
        fill(briefing.querySelector("p"), me.briefing || "");
      }
      fill(scenario.querySelector("p"), v.exercise.summary || "");
    },
  };
}
