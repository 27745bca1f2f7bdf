// The procedure lab page: a scenario, rule sets, runs and a seed go to POST /api/lab; the answer
// (JSON) is shown as the side-by-side table and the adoption rates as bars (<meter> elements, text
// as text), and the server's own HTML report, with its SVG charts, can be downloaded.

import { ApiError, listScenarios, request } from "./api.js";
import { fill, h } from "./dom.js";
import { languageSwitch, t, translateStatic } from "./i18n.js";
import { largeTypeToggle } from "./views/header.js";

translateStatic(document);

const form = document.getElementById("lab-form");
const status = document.getElementById("lab-status");
const result = document.getElementById("lab-result");
const resultBody = document.getElementById("lab-result-body");
document.getElementById("tools").append(languageSwitch(), largeTypeToggle());

const scenario = h("select", { id: "lab-scenario", name: "scenario", required: true });
const rules = h("textarea", { id: "lab-rules", name: "rules", rows: 4, required: true, class: "lab-rules" });
rules.value = 'scenario\n{"name": "qualified majority 0.67", "rules": [{"rule": "qualified_majority", "threshold": 0.67, "deadline_minutes": 45}]}';
const runs = h("input", { id: "lab-runs", name: "runs", type: "number", min: 1, max: 5000, value: 500, required: true });
const seed = h("input", { id: "lab-seed", name: "seed", type: "number", min: 0, value: 1, required: true });
const token = h("input", { id: "lab-token", type: "password", autocomplete: "off" });
const tokenField = h("div", { class: "field", hidden: true }, h("label", { for: token.id }, t("Admin token")), token);
const run = h("button", { type: "submit", class: "primary", id: "lab-run" }, t("Run the lab"));
const field = (input, label) => h("div", { class: "field" }, h("label", { for: input.id }, label), input);
form.append(field(scenario, t("Scenario")), field(rules, t("Rule sets (one per line)")), field(runs, t("Runs per rule set")),
  field(seed, t("Seed")), tokenField, run);

listScenarios().then((all) => {
  fill(scenario, all.map((s) => h("option", { value: s.id, selected: s.id === "csto-border-crisis" }, `${s.title} (${s.id})`)));
}).catch((e) => fill(status, h("span", { role: "alert" }, e.message)));

function ruleSets() {
  return rules.value.split("\n").map((line) => line.trim()).filter(Boolean).map((line, i) => {
    if (line === "scenario") return "scenario";
    try {
      return JSON.parse(line);
    } catch {
      throw new ApiError(422, "bad_rules", t("Rule set {n} is not JSON (nor the word scenario).", { n: i + 1 }));
    }
  });
}

let lastBody = null;
let blobUrl = null;

async function post(body, format) {
  const resp = await request("/api/lab", { method: "POST", body: { ...body, format }, token: token.value.trim() || null,
    accept: format === "json" ? "application/json" : "text/html" });
  return format === "json" ? resp.json() : resp.blob();
}

form.addEventListener("submit", async (ev) => {
  ev.preventDefault();
  if (run.disabled) return;
  run.disabled = true;
  status.className = "status busy";
  fill(status, t("Running the simulated exercises…"));
  try {
    const body = { scenario: scenario.value, rules: ruleSets(), runs: Number(runs.value), seed: Number(seed.value) };
    const out = await post(body, "json");
    lastBody = body;
    status.className = "status";
    fill(status, "");
    show(out);
  } catch (e) {
    status.className = "status error";
    if (e instanceof ApiError && (e.code === "admin_token_required" || e.code === "bad_admin_token")) {
      tokenField.hidden = false;
      token.focus();
    }
    fill(status, h("span", { role: "alert" }, e.message));
  } finally {
    run.disabled = false;
  }
});

const pct = (x) => (x === null || x === undefined ? t("n/a") : `${(x * 100).toFixed(1)}%`);
const num = (x) => (x === null || x === undefined ? t("n/a") : String(x));

function rows(out) {
  const res = out.results;
  const lines = [];
  for (const k of out.kinds) {
    const ds = res.map((r) => r.decisions[k.id]);
    lines.push([t("{kind}: adopted", { kind: k.name }), ds.map((d, i) => t("{share} ({n} of {runs})", { share: pct(d.adoption_rate), n: d.adopted, runs: res[i].runs }))]);
    for (const q of ["median", "p10", "p90"]) lines.push([t("{kind}: minutes to adoption, {q}", { kind: k.name, q }), ds.map((d) => num(d.minutes_to_adoption[q]))]);
    lines.push([t("{kind}: rounds of proposals (mean)", { kind: k.name }), ds.map((d) => num(d.rounds.mean))]);
  }
  lines.push([t("Blocked implementations per run"), res.map((r) => num(r.implementations.blocked_per_run))]);
  (res[0] ? res[0].expectations : []).forEach((e, i) => lines.push([t("Expectation met: {title}", { title: e.title }), res.map((r) => pct(r.expectations[i].met_rate))]));
  lines.push([t("All expectations met (share of checks)"), res.map((r) => pct(r.expectations_met_rate))]);
  return lines;
}

function adoptionChart(out) {
  // one meter per decision kind and rule set: the browser draws the bar, the text says the figure
  const names = out.results.map((r) => r.rule_set.name);
  return h("div", { class: "lab-chart", role: "group", "aria-label": t("Adoption rate by rule set") },
    h("h3", {}, t("Adoption rate")),
    out.kinds.map((k) => h("div", { class: "lab-kind" }, h("p", { class: "lab-kind-name" }, k.name),
      out.results.map((r, si) => {
        const v = r.decisions[k.id].adoption_rate;
        const id = `lab-meter-${k.id}-${si}`;
        return h("div", { class: `lab-bar lab-series-${si % 4}` },
          h("label", { for: id }, names[si]),
          h("meter", { id, min: 0, max: 1, value: v }, pct(v)),
          h("span", { class: "lab-value" }, pct(v)));
      }))));
}

function show(out) {
  const res = out.results;
  const table = h("table", { class: "lab-table" },
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, t("Figure")), res.map((r) => h("th", { scope: "col" }, r.rule_set.name)))),
    h("tbody", {}, rows(out).map(([label, values]) => h("tr", {}, h("th", { scope: "row" }, label), values.map((v) => h("td", {}, v))))));
  const download = h("button", { type: "button", onclick: downloadHtml }, t("Download the report with charts (HTML)"));
  fill(resultBody,
    h("p", { class: "note" }, t("{title}: {runs} runs per rule set, seed {seed}.", { title: out.scenario.title, runs: out.runs, seed: out.seed })),
    out.kinds.length ? adoptionChart(out) : null, table, download);
  result.hidden = false;
  document.getElementById("result-h").focus();
}

async function downloadHtml(ev) {
  if (!lastBody) return;
  const button = ev.currentTarget;
  button.disabled = true;
  try {
    const blob = await post(lastBody, "html");
    if (blobUrl) URL.revokeObjectURL(blobUrl);
    blobUrl = URL.createObjectURL(blob);
    const a = h("a", { href: blobUrl, download: `lab-${lastBody.scenario}.html` });
    document.body.append(a);
    a.click();
    a.remove();
  } catch (e) {
    status.className = "status error";
    fill(status, h("span", { role: "alert" }, e.message));
  } finally {
    button.disabled = false;
  }
}
