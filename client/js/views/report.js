// The after-action report (GET /report?format=json, facilitator and observer; shape in
// docs/REVIEW.md and server/review/report.py), its downloads (html, md, csv: fetched with the
// seat's token, saved through a blob: URL), expectation scoring by the facilitator, and the
// comparison of two runs (POST /api/compare). If an endpoint is missing the page says so.

import { ApiError, exercisePath, getJSON, postJSON, request } from "../api.js";
import { hms } from "../clock.js";
import { field, fill, h, select } from "../dom.js";
import { actionForm } from "../forms.js";
import { registerPanel, STAFF_ROLES } from "../registry.js";
import { bodyName, capitalize, decisionKindName, humanize, milestones, seatKindName, seatList, seatName, statusName, term, voteWord }
  from "../words.js";
import { canVerify, verifyExport } from "../verify.js";
import { badge, cellText, facts, note, objectTable, panel } from "./common.js";
import { language, N_, recorded, t } from "../i18n.js";

const delay = (x) => (x === null || x === undefined ? "—" : `+${hms(x)}`);
const at = (x) => (x === null || x === undefined ? "—" : hms(x));

/** The steps of the response chains: the report's milestones, [[id, name], ...]. */
function steps(report, view) {
  const given = report && Array.isArray(report.milestones) ? report.milestones : milestones(view);
  return given.map((m) => [m.id, m.name]);
}

/** A table from rows and [header, row => cell] columns; cells may be text or nodes. */
function table(caption, rows, columns, { id } = {}) {
  if (!rows || !rows.length) return note(t("{caption}: none.", { caption }));
  return h("div", { class: "table-wrap" }, h("table", { id },
    h("caption", {}, caption),
    h("thead", {}, h("tr", {}, columns.map(([head]) => h("th", { scope: "col" }, head)))),
    h("tbody", {}, rows.map((r) => h("tr", {}, columns.map(([, cell], i) => (i === 0
      ? h("th", { scope: "row" }, cell(r) ?? "—") : h("td", {}, cell(r) ?? "—"))))))));
}

const STATES = { met: N_("met"), missed: N_("missed"), pending: N_("pending"), not_triggered: N_("not triggered"),
  adopted: N_("adopted"), rejected: N_("rejected"), lapsed: N_("lapsed"), open: N_("open"), partly_met: N_("partly met"),
  in_force: N_("in force"), blocked: N_("blocked"), created: N_("not started"), running: N_("running"), paused: N_("paused"),
  ended: N_("ended") };
const stateWord = (s) => (STATES[s] ? t(STATES[s]) : humanize(s));

function statusBadge(status) {
  const cls = { met: "st-adopted", missed: "st-rejected", pending: "st-pending", not_triggered: "", adopted: "st-adopted",
    rejected: "st-rejected", lapsed: "st-lapsed", open: "st-open", delivered: "st-delivered", averted: "st-averted",
    not_delivered: "" }[status] || "";
  return badge(STATES[status] ? t(STATES[status]) : humanize(status), cls);
}

/** A chain's step: its delay, and "inferred" when the move did not say which inject it answered. */
function stepCell(step) {
  if (!step) return "—";
  const who = step.actor ? ` ${step.actor}` : "";
  return step.link === "inferred"
    ? [delay(step.delay), h("span", { class: "hint inferred", title: t("The move named no inject: credited to the latest inject its seat had received") }, `${who} ${t("(inferred)")}`)]
    : [delay(step.delay), h("span", { class: "hint" }, who)];
}

export function renderReport(report, view) {
  const ex = report.exercise || {};
  const out = [];
  out.push(facts([
    [t("Scenario"), `${ex.title || ""} (${ex.scenario_id || ""})`],
    [t("Status"), stateWord(ex.status)],
    [t("Duration"), at(ex.duration)],
    [t("Events"), String(ex.events ?? "")],
    ex.forked_from ? [t("Forked from"), t("{id} at event {at}", { id: ex.forked_from.exercise_id, at: ex.forked_from.at })] : null,
    [t("Log head"), ex.log_head ? `#${ex.log_head.seq} ${String(ex.log_head.hash || "").slice(0, 16)}…` : "—"],
  ]));
  out.push(h("h3", {}, t("Expectations")), table(t("Expectations: met or missed, with the measured time"), report.expectations || [], [
    [t("Expectation"), (e) => [e.title, e.reference ? h("span", { class: "hint" }, e.reference) : null]],
    [t("Within"), (e) => e.within],
    [t("Status"), (e) => statusBadge(e.status)],
    [t("Measured"), (e) => delay(e.measured)],
    [t("Missing"), (e) => (e.missing && e.missing.length ? seatList(view, e.missing) : "—")],
    [t("Score"), (e) => (e.score ? `${stateWord(e.score.score)}${e.score.note ? `: ${e.score.note}` : ""}` : "—")],
  ], { id: "report-expectations" }));
  out.push(h("h3", {}, t("Decisions")), table(t("Every decision with its rule, votes and dissent"), report.decisions || [], [
    [t("Decision"), (d) => d.title],
    [t("Body / kind"), (d) => `${bodyName(view, d.body)} · ${decisionKindName(view, d.kind)}`],
    [t("Rule"), (d) => `${d.rule_description}${d.reruled ? ` ${t("(changed by the fork)")}` : ""}`],
    [t("Outcome"), (d) => [statusBadge(d.outcome), d.reason ? ` ${d.reason}` : ""]],
    [t("Tally"), (d) => (d.tally ? t("{for} for, {against} against, {abstain} abstain, {not_voted} not voted", d.tally) : "—")],
    [t("Dissent"), (d) => {
      const parts = [];
      if (d.dissent && d.dissent.against.length) parts.push(t("against: {seats}", { seats: seatList(view, d.dissent.against) }));
      if (d.dissent && d.dissent.abstain.length) parts.push(t("abstained: {seats}", { seats: seatList(view, d.dissent.abstain) }));
      return parts.join("; ") || t("none");
    }],
    [t("Time to settle"), (d) => delay(d.time_to_settle)],
    [t("Implementation"), (d) => {
      const impl = Object.entries(d.implementations || {});
      if (!impl.length) return d.outcome === "adopted" ? t("none recorded") : "—";
      return impl.map(([s, i]) => `${seatName(view, s)}: ${stateWord(i.status)}${i.delay !== null && i.delay !== undefined ? ` (${delay(i.delay)})` : ""}`).join("; ");
    }],
    [t("Notified"), (d) => ((d.notifications || []).length
      ? d.notifications.map((n) => `${n.recipient_name || n.recipient} ${delay(n.delay ?? null)}`).join("; ") : "—")],
  ], { id: "report-decisions" }));
  out.push(h("h3", {}, t("Injects")), table(t("Every inject this view knows of: delivered, averted or pending"), report.injects || [], [
    [t("Inject"), (i) => i.title],
    [t("Trigger"), (i) => humanize(i.trigger || "manual")],
    [t("To"), (i) => seatList(view, i.to)],
    [t("Status"), (i) => statusBadge(i.status)],
    [t("Delivered"), (i) => at(i.delivered_at)],
  ], { id: "report-injects" }));
  out.push(h("h3", {}, t("Response chains")), table(t("For each inject: time to the first response of each kind that answered it"), report.chains || [], [
    [t("Inject"), (c) => c.title],
    [t("Delivered"), (c) => at(c.delivered_at)],
    ...steps(report, view).map(([key, label]) => [label, (c) => stepCell(c.steps ? c.steps[key] : null)]),
    [capitalize(term(view, "implementation")), (c) => {
      const impl = Object.entries(c.implementation || {});
      const done = impl.filter(([, v]) => v);
      return impl.length ? t("{done} of {n}", { done: done.length, n: impl.length }) : "—";
    }],
    [t("Answers"), (c) => (c.responses ? t("{linked} linked, {inferred} inferred", c.responses) : "—")],
  ], { id: "report-chains" }));
  out.push(h("h3", {}, t("Activity per seat")), table(t("What each seat did"), report.seats || [], [
    [t("Seat"), (s) => seatName(view, s.seat)],
    [t("Status"), (s) => (s.status ? statusName(view, s.status) : seatKindName(view, s.kind))],
    [t("Moves"), (s) => String(s.events)],
    [t("First move"), (s) => at(s.first_action)],
    [t("Statements"), (s) => String(s.statements)],
    [t("Votes"), (s) => String(s.votes)],
    [t("Pledges / declines"), (s) => `${s.pledges} / ${s.declines}`],
    [t("Notifications"), (s) => String(s.notifications ?? 0)],
    [t("Mean answer time"), (s) => delay(s.mean_assistance_response_time)],
  ]));
  if (report.observations && report.observations.length) {
    out.push(h("h3", {}, t("Observations")), table(t("The facilitator's observations"), report.observations, [
      [t("Time"), (o) => at(o.exercise_time)], [t("Observation"), (o) => o.text]]));
  }
  return out;
}

export function reportPanel({ exerciseId, token, send }) {
  const p = panel(t("After-action report"), { className: "report", id: "report" });
  const status = h("p", { class: "status", "aria-live": "polite", id: "report-status" });
  const reload = h("button", { type: "button" }, t("Refresh the report"));
  const downloads = h("div", { class: "buttons downloads", hidden: true });
  const content = h("div", { class: "report-content", id: "report-content" });
  const scoring = h("div", { class: "scoring", id: "scoring" });
  const verifier = verifyControl();
  p.body.append(h("div", { class: "buttons" }, reload), status, downloads, verifier, content, scoring);

  for (const [fmt, label] of [["html", t("Download HTML (printable)")], ["md", t("Download Markdown")], ["csv", t("Download CSV")]]) {
    const b = h("button", { type: "button", class: "download", dataset: { format: fmt } }, label);
    // the printable report in the reader's language (the data formats stay in English)
    const query = fmt === "html" ? `report?format=html&lang=${encodeURIComponent(language())}` : `report?format=${fmt}`;
    b.addEventListener("click", () => download(exercisePath(exerciseId, query), `${exerciseId}-report.${fmt}`,
      t("the report"), b));
    downloads.append(b);
  }
  // the whole log with its hash chain (GET /export, facilitator): `ttx verify FILE` checks it offline
  const exportLog = h("button", { type: "button", class: "download", id: "export-log", hidden: true }, t("Export log (NDJSON)"));
  exportLog.addEventListener("click", () => download(exercisePath(exerciseId, "export"), `${exerciseId}.ndjson`, t("the log"),
    exportLog, t("Check it offline with: ttx verify FILE")));
  downloads.append(exportLog);

  async function download(path, filename, what, button, hint = "") {
    button.disabled = true;
    try {
      const resp = await request(path, { token, accept: "*/*" });
      const blob = await resp.blob();
      const url = URL.createObjectURL(blob);
      const a = h("a", { href: url, download: filename, hidden: true });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 30000);
      fill(status, t("Saved {file}.", { file: filename }) + (hint ? ` ${hint}` : ""));
    } catch (e) {
      fill(status, h("span", { role: "alert" }, t("Could not download {what}: {why}", { what, why: e.message })));
    } finally {
      button.disabled = false;
    }
  }

  let report = null;
  let ctx = null;
  let scoresSeen = null;

  async function load() {
    fill(status, t("Loading the report…"));
    try {
      // in the reader's language: names, rules and reasons as the HTML report says them
      report = await getJSON(exercisePath(exerciseId, `report?format=json&lang=${encodeURIComponent(language())}`), token);
      fill(status, "");
      downloads.hidden = false;
      fill(content, renderReport(report, ctx.view));
    } catch (e) {
      report = null;
      downloads.hidden = true;
      fill(content);
      const why = e instanceof ApiError && e.code === "not_found" ? t("this server does not offer it") : e.message;
      fill(status, h("span", { class: "unavailable" }, t("Report not available: {why}", { why })));
    }
    renderScoring();
  }
  reload.addEventListener("click", load);

  function renderScoring() {
    if (!ctx || !ctx.perms.facilitator || !report) {
      fill(scoring);
      return;
    }
    const expectations = ctx.view.expectations || [];
    const results = new Map((report.expectations || []).map((e) => [e.id, e]));
    const scores = ctx.view.scores || {};
    fill(scoring, expectations.length ? h("h3", {}, t("Score the expectations")) : null,
      expectations.length ? note(t("Your score is recorded in the log beside the measured result; the last score given counts.")) : null,
      h("div", { class: "score-grid" }, expectations.map((x) => scoreForm(send, x, scores[x.id], results.get(x.id)))));
  }

  return {
    el: p.el,
    activate(c) {
      ctx = c;
      exportLog.hidden = !c.perms.facilitator;
      scoresSeen = JSON.stringify(c.view.scores || {});
      return load();
    },
    update(c) {
      ctx = c;
      // a new score changes the report's score column: fetch it again
      const scores = JSON.stringify(c.view.scores || {});
      if (scoresSeen !== null && scores !== scoresSeen && report) load();
      scoresSeen = scores;
    },
  };
}

/** "Verify a file": an exported log checked here, in the browser, as `ttx verify` checks it. */
function verifyControl() {
  const input = h("input", { type: "file", id: "verify-file", accept: ".ndjson,.jsonl,application/x-ndjson,text/plain" });
  const out = h("p", { class: "status", id: "verify-status", "aria-live": "polite" });
  input.addEventListener("change", async () => {
    const file = input.files && input.files[0];
    if (!file) return;
    if (!canVerify()) {
      fill(out, h("span", { role: "alert" }, t("This browser cannot check the chain here (it needs HTTPS and a recent browser): use ttx verify FILE.")));
      return;
    }
    fill(out, t("Checking {file}…", { file: file.name }));
    try {
      const r = await verifyExport(file, { onProgress: (n) => fill(out, t("Checking {file}: {n} events so far…", { file: file.name, n })) });
      fill(out, r.ok ? h("span", { class: "verified" }, t("{file}: ok: {n} events, chain verified, head {head}…", { file: file.name, n: r.events, head: r.head.slice(0, 16) }))
        : h("span", { role: "alert", class: "broken" }, `${file.name}: ${r.problem}`));
    } catch (e) {
      fill(out, h("span", { role: "alert" }, t("Could not read {file}: {error}", { file: file.name, error: e.message })));
    } finally {
      input.value = "";
    }
  });
  return h("div", { class: "field verify" }, h("label", { for: input.id }, t("Verify a file (an exported log, checked in this browser; nothing is uploaded)")),
    input, out);
}

function scoreForm(send, x, current, result) {
  const score = select([["met", t("Met")], ["partly_met", t("Partly met")], ["missed", t("Missed")]]);
  if (current) score.value = current.score;
  else if (result && (result.status === "met" || result.status === "missed")) score.value = result.status;
  const noteInput = h("input", { type: "text", maxLength: 4000, value: current && current.note ? current.note : "" });
  const form = actionForm(send, {
    legend: x.title, submit: t("Save score"), className: "score", done: t("Scored."),
    children: [
      h("p", { class: "meta" }, result ? [t("Measured:"), " ", statusBadge(result.status), ` ${delay(result.measured)}`] : "",
        current ? ` · ${t("scored {score}", { score: stateWord(current.score) })}` : ` · ${t("not scored yet")}`),
      field(t("Score"), score).wrap, field(t("Note (optional)"), noteInput).wrap],
    build() {
      const b = { type: "score_expectation", expectation_id: x.id, score: score.value };
      if (noteInput.value.trim()) b.note = noteInput.value.trim();
      return b;
    },
  });
  form.el.dataset.expectation = x.id;
  return form.el;
}

export function comparePanel({ exerciseId, token }) {
  let view = null;
  const p = panel(t("Compare two runs"), { className: "compare", id: "compare" });
  const other = h("input", { type: "text", autocomplete: "off", placeholder: "ex_…", id: "compare-id" });
  const otherToken = h("input", { type: "password", required: true, autocomplete: "off", id: "compare-token" });
  const status = h("p", { class: "status", "aria-live": "polite" });
  const result = h("div", { class: "compare-result", id: "compare-result" });
  const button = h("button", { type: "submit", class: "primary" }, t("Compare"));
  const form = h("form", { class: "action" }, h("fieldset", {}, h("legend", {}, t("Compare this run with another (for example a fork)")),
    field(t("The other run's facilitator or observer join link"), otherToken, t("Or its token, with the exercise id below.")).wrap,
    field(t("Other exercise id (not needed with a link)"), other).wrap,
    h("div", { class: "buttons" }, button), status));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    if (button.disabled) return;
    const raw = otherToken.value.trim();
    const tok = raw.includes("#") ? raw.slice(raw.indexOf("#") + 1) : raw;
    const m = /\/exercises\/([^/#?]+)/.exec(raw);
    const id = other.value.trim() || (m ? decodeURIComponent(m[1]) : "");
    if (!id || !tok) {
      fill(status, h("span", { role: "alert" }, t("Give the other run's join link, or its exercise id and token.")));
      return;
    }
    button.disabled = true;
    fill(status, t("Comparing…"));
    try {
      const out = await postJSON("/api/compare", { a: { exercise_id: exerciseId, token }, b: { exercise_id: id, token: tok } });
      fill(status, "");
      fill(result, renderCompare(out, view));
    } catch (e) {
      const why = e instanceof ApiError && e.code === "not_found" ? t("Comparing runs is not available on this server.") : e.message;
      fill(status, h("span", { role: "alert" }, why));
    } finally {
      button.disabled = false;
    }
  });
  p.body.append(form, result);
  return {
    el: p.el,
    activate(ctx) { view = ctx.view; },
    update(ctx) { view = ctx.view; },
  };
}

/** The milestones in a comparison: those its chains have, named as this run's scenario names them. */
function compareSteps(out, view) {
  const names = new Map(milestones(view).map((m) => [m.id, m.name]));
  const keys = [];
  for (const c of out.chains || []) {
    for (const x of [c.a, c.b]) {
      for (const k of Object.keys((x && x.steps) || {})) if (k !== "implementation" && !keys.includes(k)) keys.push(k);
    }
  }
  return keys.map((k) => [k, names.get(k) || humanize(k)]);
}

function side(v, fn) {
  return v ? fn(v) : "—";
}

/** A measured time that moved beyond the tolerance: both times. */
function moved(x) {
  return x.times ? ` (${at(x.times.a)} → ${at(x.times.b)})` : "";
}

function changedText(x) {
  if (!x.changed) return t("no");
  return `${t("yes")}: ${(x.changes || []).map(humanize).join(", ")}${moved(x)}`;
}

const rulesText = (rules) => (rules || []).map((r) => `${r.applies_to || `${r.body}/${r.kind}`}: ${r.description}`).join("; ");

export function renderCompare(out, view) {
  if (!out || typeof out !== "object" || !out.a) return objectTable([out]);
  const name = (s) => `${s.title || ""} · ${s.exercise_id}${s.forked_from ? ` ${t("(a fork, after event {at})", { at: s.forked_from.at })}` : ""}`;
  const votes = (x) => Object.entries(x.votes || {}).map(([s, v]) => `${seatName(view, s)} ${voteWord(view, v)}`).join(", ");
  return [
    facts([["A", name(out.a)], ["B", name(out.b)],
      [t("Read as"), out.view === "facilitator" ? t("the facilitator's view of both runs") : t("the observer's view of both runs")],
      [t("Rules A"), rulesText(out.a.rules)], [t("Rules B"), rulesText(out.b.rules)],
      [t("Times differ when"), t("more than {time} apart", { time: hms(out.tolerance ?? 60) })],
      out.changes ? [t("Changed"), t("{decisions} decision(s), {expectations} expectation(s)", out.changes)] : null]),
    out.note ? note(out.note) : null,
    h("h3", {}, t("Decisions")), table(t("Each decision under each run's rule: outcome, votes and time to settle"), out.decisions, [
      [t("Decision"), (d) => d.title],
      ["A", (d) => side(d.a, (x) => [statusBadge(x.outcome), ` ${x.rule_description}; ${cellText(recorded(x.reason))}; ${t("settled in {time}", { time: delay(x.time_to_settle) })}`,
        h("br"), h("span", { class: "hint" }, votes(x))])],
      ["B", (d) => side(d.b, (x) => [statusBadge(x.outcome), ` ${x.rule_description}; ${cellText(recorded(x.reason))}; ${t("settled in {time}", { time: delay(x.time_to_settle) })}`,
        h("br"), h("span", { class: "hint" }, votes(x))])],
      [t("Changed"), (d) => changedText(d)],
    ], { id: "compare-decisions" }),
    settleChart(out.decisions),
    h("h3", {}, t("Expectations")), table(t("Expectations in both runs"), out.expectations, [
      [t("Expectation"), (e) => e.title],
      ["A", (e) => side(e.a, (x) => [statusBadge(x.status), ` ${delay(x.measured)}`])],
      ["B", (e) => side(e.b, (x) => [statusBadge(x.status), ` ${delay(x.measured)}`])],
      [t("Changed"), (e) => changedText(e)],
      [t("Depends on"), (e) => ((e.depends_on || []).map((d) => d.title).join(", ") || "—")],
    ], { id: "compare-expectations" }),
    h("h3", {}, t("Response chains")), table(t("Delays after each inject"), out.chains, [
      [t("Inject"), (c) => c.title],
      ...compareSteps(out, view).map(([key, label]) => [label,
        (c) => `A ${side(c.a, (x) => delay(x.steps[key]))} · B ${side(c.b, (x) => delay(x.steps[key]))}`]),
    ], { id: "compare-chains" }),
  ];
}

/** Time to settle of each decision in A and B, as paired bars (progress elements: no script-made
 * markup, text as text), longest time the full bar. */
function settleChart(decisions) {
  const rows = (decisions || []).filter((d) => (d.a && d.a.time_to_settle !== null) || (d.b && d.b.time_to_settle !== null));
  if (!rows.length) return null;
  const max = Math.max(...rows.flatMap((d) => [d.a && d.a.time_to_settle, d.b && d.b.time_to_settle].filter((x) => typeof x === "number")), 1);
  const bar = (d, k) => {
    const x = d[k] && typeof d[k].time_to_settle === "number" ? d[k].time_to_settle : null;
    const label = `${k.toUpperCase()}: ${x === null ? t("not settled") : hms(x)}${d[k] ? ` (${stateWord(d[k].outcome)})` : ` ${t("(not in this run)")}`}`;
    return h("div", { class: `settle-bar run-${k}` },
      h("progress", { max: String(max), value: String(x === null ? 0 : x), "aria-label": `${d.title}, ${label}` }),
      h("span", { class: "hint" }, label));
  };
  return h("figure", { class: "settle-chart", id: "compare-chart" },
    h("table", {}, h("caption", {}, t("Time to settle each decision, run A above run B")),
      h("tbody", {}, rows.map((d) => h("tr", {}, h("th", { scope: "row" }, d.title), h("td", {}, bar(d, "a"), bar(d, "b")))))));
}

registerPanel({ id: "report", tab: "review", order: 20, roles: STAFF_ROLES, create: (env) => reportPanel(env) });
registerPanel({ id: "compare", tab: "review", order: 40, roles: STAFF_ROLES, create: (env) => comparePanel(env) });
