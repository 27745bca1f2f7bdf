// Threats (server/domain/slices/consultations.py): a seat reports one, of a kind the scenario
// declares (and the seat may report), naming if it says so the seats it comes from; everyone sees
// the list. Consultations, requests for assistance, decisions and notifications may refer to one.

import { checkboxGroup, field, fill, h, select, setOptions } from "../dom.js";
import { actionForm } from "../forms.js";
import { allowed } from "../perms.js";
import { ALL_ROLES, generic, registerDescription, registerFold, registerPanel, registerSnapshot } from "../registry.js";
import { moveLabel, moveTitle, seatLabel, seatList, seatName, threatKindName } from "../words.js";
import { badge, facts, injectPicker, note, olderRows, panel, seatChoices, when } from "./common.js";
import { t } from "../i18n.js";

registerFold("threat_reported", (v, e) => {
  const d = e.data;
  v.threats.push({ id: d.threat_id, actor: e.actor, at: e.exercise_time, kind: d.kind, summary: d.summary,
    source: d.source ?? null, against: [...(d.against || [])] });
});

registerDescription("threat_reported", (e, view) => {
  const d = e.data;
  const p = { seat: seatName(view, e.actor), kind: threatKindName(view, d.kind).toLowerCase(), summary: d.summary };
  const head = d.against && d.against.length
    ? t("{seat} reported {kind} from {from}: {summary}", { ...p, from: seatList(view, d.against) })
    : t("{seat} reported {kind}: {summary}", p);
  return { kind: "threat", text: head + (d.source ? ` ${t("(source: {source})", { source: d.source })}` : "") };
});

registerSnapshot(50, (v) => facts([[t("Threats reported"), String(v.threats.length)]]));

export function threatsPanel(send) {
  const p = panel(t("Threats"), { className: "threats", id: "threats" });
  const kind = select([]);
  const against = checkboxGroup(t("Coming from (optional)"), [], { name: "against" });
  const summary = h("textarea", { rows: 2, required: true, maxLength: 4000 });
  const source = h("input", { type: "text", maxLength: 200 });
  const answers = injectPicker();
  const form = actionForm(send, {
    legend: t("Report a threat"), submit: t("Report"), className: "report-threat", done: t("Reported."), collapsible: true,
    children: [field(t("Kind"), kind).wrap, against.el, field(t("What happened"), summary).wrap, field(t("Source (optional)"), source).wrap, answers.wrap],
    build() {
      if (!kind.value) throw t("This scenario has no kind of threat you may report.");
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
  const empty = note(t("No threats reported."));
  const older = olderRows("threats");
  p.body.append(form.el, older.el, list, empty);
  return {
    el: p.el,
    update(ctx) {
      const { view, perms } = ctx;
      const grant = perms.may("report_threat");
      form.el.hidden = !grant;
      form.setEnabled(perms.inPlay);
      if (grant) {
        form.setLabels({ legend: moveTitle(view, "report_threat"), submit: moveLabel(view, "report_threat") });
        setOptions(kind, allowed(grant, view.institutions.threat_kinds || []).map((k) => [k.id, threatKindName(view, k.id)]));
        against.setChoices(seatChoices(view, { exclude: [view.seat] }));
        answers.update(view);
      }
      empty.hidden = view.threats.length > 0;
      older.update(ctx);
      fill(list, view.threats.map((x) => h("li", { dataset: { id: x.id } }, when(view, x.at), " ",
        badge(threatKindName(view, x.kind), ["k-threat", x.against.length ? "has-against" : null]), " ",
        h("strong", {}, seatName(view, x.actor)), `: ${x.summary}`,
        x.against.length ? ` ${t("(from {seats})", { seats: x.against.map((s) => seatLabel(view, s)).join(", ") })}` : "",
        x.source ? ` ${t("(source: {source})", { source: x.source })}` : "")));
    },
  };
}

registerPanel({ id: "threats", column: "main", order: 60, roles: ALL_ROLES, create: (env) => threatsPanel(env.send),
  news: (e, view) => generic(view, e).type === "threat_reported" });
