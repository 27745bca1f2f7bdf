// Threats (server/domain/slices/consultations.py): a seat reports one, of a kind the scenario
// declares (and the seat may report), naming if it says so the seats it comes from; everyone sees
// the list. Consultations, requests for assistance, decisions and notifications may refer to one.

import { checkboxGroup, field, fill, h, select, setOptions } from "../dom.js";
import { actionForm } from "../forms.js";
import { allowed } from "../perms.js";
import { ALL_ROLES, registerDescription, registerFold, registerPanel, registerSnapshot } from "../registry.js";
import { moveLabel, moveTitle, seatLabel, seatList, seatName, threatKindName } from "../words.js";
import { badge, facts, injectPicker, note, panel, seatChoices, when } from "./common.js";

registerFold("threat_reported", (v, e) => {
  const d = e.data;
  v.threats.push({ id: d.threat_id, actor: e.actor, at: e.exercise_time, kind: d.kind, summary: d.summary,
    source: d.source ?? null, against: [...(d.against || [])] });
});

registerDescription("threat_reported", (e, view) => {
  const d = e.data;
  const against = d.against && d.against.length ? ` from ${seatList(view, d.against)}` : "";
  return { kind: "threat", text: `${seatName(view, e.actor)} reported ${threatKindName(view, d.kind).toLowerCase()}${against}: ` +
    `${d.summary}${d.source ? ` (source: ${d.source})` : ""}` };
});

registerSnapshot(50, (v) => facts([["Threats reported", String(v.threats.length)]]));

export function threatsPanel(send) {
  const p = panel("Threats", { className: "threats", id: "threats" });
  const kind = select([]);
  const against = checkboxGroup("Coming from (optional)", [], { name: "against" });
  const summary = h("textarea", { rows: 2, required: true, maxLength: 4000 });
  const source = h("input", { type: "text", maxLength: 200 });
  const answers = injectPicker();
  const form = actionForm(send, {
    legend: "Report a threat", submit: "Report", className: "report-threat", done: "Reported.", collapsible: true,
    children: [field("Kind", kind).wrap, against.el, field("What happened", summary).wrap, field("Source (optional)", source).wrap, answers.wrap],
    build() {
      if (!kind.value) throw "This scenario has no kind of threat you may report.";
      const b = { type: "report_threat", kind: kind.value, summary: summary.value.trim() };
      if (source.value.trim()) b.source = source.value.trim();
      const from = against.values();
      if (from.length) b.against = from;
      return answers.add(b);
    },
    after() {
      summary.value = "";
      source.value = "";
      against.set([]);
      answers.reset();
    },
  });
  const list = h("ul", { class: "records", id: "threat-list" });
  const empty = note("No threats reported.");
  p.body.append(form.el, list, empty);
  return {
    el: p.el,
    update(ctx) {
      const { view, perms } = ctx;
      const grant = perms.may("report_threat");
      form.el.hidden = !grant;
      form.setEnabled(perms.inPlay);
      if (grant) {
        form.setLabels({ legend: moveTitle(view, "report_threat"), submit: moveLabel(view, "report_threat") });
        setOptions(kind, allowed(grant, view.institutions.threat_kinds || []).map((k) => [k.id, k.name]));
        against.setChoices(seatChoices(view, { exclude: [view.seat] }));
        answers.update(view);
      }
      empty.hidden = view.threats.length > 0;
      fill(list, view.threats.map((t) => h("li", { dataset: { id: t.id } }, when(view, t.at), " ",
        badge(threatKindName(view, t.kind), ["k-threat", t.against.length ? "has-against" : null]), " ",
        h("strong", {}, seatName(view, t.actor)), `: ${t.summary}`,
        t.against.length ? ` (from ${t.against.map((s) => seatLabel(view, s)).join(", ")})` : "",
        t.source ? ` (source: ${t.source})` : "")));
    },
  };
}

registerPanel({ id: "threats", column: "main", order: 60, roles: ALL_ROLES, create: (env) => threatsPanel(env.send) });
