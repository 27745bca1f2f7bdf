// "What if we had used another rule?": fork this run at an event, under other decision rules, and
// optionally re-enact the later moves (POST /fork, facilitator only). The fork's links are shown,
// and the compare panel is filled in with the fork's facilitator link (the caller's own view).

import { postJSON, exercisePath } from "../api.js";
import { field, fill, h, select } from "../dom.js";
import { registerPanel } from "../registry.js";
import { bodyName, decisionKindName } from "../words.js";
import { facts, note, panel } from "./common.js";
import { N_, t } from "../i18n.js";

const RULES = [["consensus", N_("Consensus")], ["unanimity", N_("Unanimity")], ["simple_majority", N_("Simple majority")],
  ["qualified_majority", N_("Qualified majority")], ["silence_procedure", N_("Silence procedure")]];
const RULE_FIELDS = ["body", "kind", "rule", "quorum", "threshold", "base", "abstentions", "abstention_blocks", "authority",
  "weights", "member_share", "deadline_minutes", "recuse_parties"];

/** The scenario's rules with `binding` put in place of the one for the same body and kind. */
export function withBinding(rules, binding) {
  const plain = (r) => Object.fromEntries(RULE_FIELDS.filter((k) => r[k] !== undefined && r[k] !== null).map((k) => [k, r[k]]));
  const out = rules.map(plain).filter((r) => !(r.body === binding.body && r.kind === binding.kind));
  out.push(binding);
  return out;
}

export function forkPanel({ exerciseId, token }) {
  const p = panel(t("Fork this run under another rule"), { className: "fork", id: "fork" });
  const at = h("input", { type: "number", min: "1", step: "1", required: true, id: "fork-at" });
  const body = select([["*", t("any body")]], { id: "fork-body" });
  const kind = select([["*", t("any kind")]], { id: "fork-kind" });
  const rule = select(RULES.map(([id, name]) => [id, t(name)]), { id: "fork-rule" });
  const threshold = h("input", { type: "number", min: "0.5", max: "1", step: "0.01", value: "0.67", id: "fork-threshold" });
  const quorum = h("input", { type: "number", min: "0", max: "1", step: "0.01", value: "0.5", id: "fork-quorum" });
  const blocks = h("input", { type: "checkbox", id: "fork-abstention" });
  const replay = h("input", { type: "checkbox", id: "fork-replay", checked: true });
  const button = h("button", { type: "submit", class: "primary", id: "fork-submit" }, t("Fork"));
  const status = h("p", { class: "status", "aria-live": "polite" });
  const result = h("div", { class: "fork-result", id: "fork-result" });
  const thresholdField = field(t("Threshold (share of the votes cast)"), threshold).wrap;
  const showThreshold = () => { thresholdField.hidden = rule.value !== "qualified_majority"; };
  rule.addEventListener("change", showThreshold);
  showThreshold();
  const form = h("form", { class: "action" }, h("fieldset", {},
    h("legend", {}, t("Copy events 1 to N into a new exercise, with this rule in force")),
    field(t("Fork at event (N)"), at, t("Use the replay above to find it, e.g. the event that proposed the decision.")).wrap,
    field(t("Body"), body).wrap, field(t("Kind of decision"), kind).wrap, field(t("Rule"), rule).wrap, thresholdField,
    field(t("Quorum (share of the eligible voters)"), quorum).wrap,
    h("div", { class: "field check" }, blocks, h("label", { for: blocks.id }, t("Abstention blocks consensus"))),
    h("div", { class: "field check" }, replay, h("label", { for: replay.id }, t("Re-enact the moves made after N under the new rule"))),
    h("div", { class: "buttons" }, button), status));
  let view = null;
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    if (button.disabled || !view) return;
    const binding = { body: body.value, kind: kind.value, rule: rule.value, quorum: Number(quorum.value) };
    if (rule.value === "qualified_majority") binding.threshold = Number(threshold.value);
    if (rule.value === "consensus" && blocks.checked) binding.abstention_blocks = true;
    if (rule.value === "silence_procedure") binding.deadline_minutes = 30;
    button.disabled = true;
    fill(status, t("Forking…"));
    try {
      const out = await postJSON(exercisePath(exerciseId, "fork"),
        { at: Number(at.value), rules: withBinding(view.rules || [], binding), replay: replay.checked }, token);
      fill(status, "");
      const seat = (name) => (out.seats || []).find((s) => s.seat === name);
      const fac = seat("facilitator");
      fill(result,
        facts([[t("New exercise"), out.id], [t("Re-enacted moves"), String(out.reenacted ?? 0)],
          [t("Skipped moves"), String((out.skipped || []).length)]]),
        fac ? h("p", {}, h("a", { href: fac.join_url, target: "_blank", rel: "noopener noreferrer", id: "fork-open" },
          t("Open the fork as its facilitator"))) : null,
        note(t("The fork's seat links are secret, like this run's. Its facilitator link is now in the comparison below: both runs are then compared through the facilitator's full view, as you see this one.")));
      // the link that gives the same view as the caller's (the facilitator's): an observer's link
      // would make what the observer may not see look like a change
      const compare = document.getElementById("compare-token");
      if (compare && fac) compare.value = fac.join_url;
    } catch (e) {
      fill(status, h("span", { role: "alert" }, e.message));
    } finally {
      button.disabled = false;
    }
  });
  p.body.append(form, result);
  return {
    el: p.el,
    update(ctx) {
      view = ctx.view;
      at.max = String(view.exercise.version);
    },
    activate(ctx) {
      view = ctx.view;
      if (!at.value) at.value = String(view.exercise.version);
      at.max = String(view.exercise.version);
      const bodies = [["*", t("any body")], ...(view.bodies || []).map((b) => [b.id, `${b.id}: ${bodyName(view, b.id)}`])];
      const kinds = [["*", t("any kind")], ...((view.institutions && view.institutions.decision_kinds) || [])
        .map((k) => [k.id, decisionKindName(view, k.id)])];
      fill(body, ...bodies.map(([v, l]) => h("option", { value: v }, l)));
      fill(kind, ...kinds.map(([v, l]) => h("option", { value: v }, l)));
    },
  };
}

registerPanel({ id: "fork", tab: "review", order: 30, roles: ["facilitator"], when: (view) => !view.read_only,
  create: (env) => forkPanel(env) });
