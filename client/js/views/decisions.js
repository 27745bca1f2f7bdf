// Bodies and their decisions (server/domain/slices/decisions.py): sessions convened with an agenda
// and a time frame; decisions proposed to a body competent for their kind (about a seat, for a
// kind with an effect on membership; about a reported threat, if the proposer says so); votes
// (changeable) with a live tally against the rule in force, the deadline counting down in exercise
// time, the outcome; then implementation by each seat it binds. A fork's new rules, too.

import { countdown, hms, inWorldText } from "../clock.js";
import { field, fill, h, select, setOptions, setText, syncList } from "../dom.js";
import { actionButton, actionForm, allow, statusLine } from "../forms.js";
import { describeRule, explain, tally as tallyOf } from "../rules.js";
import { ALL_ROLES, generic, registerDescription, registerFold, registerPanel, registerSnapshot } from "../registry.js";
import {
  bodyName, capitalize, decisionKind, decisionKindName, decisionKindTitle, humanize, moveLabel, moveTitle, regionName,
  seatLabel, seatList, seatName, term, voteWord,
} from "../words.js";
import { badge, injectPicker, note, objectTable, olderRows, panel, threatPicker, threatRef, when } from "./common.js";
import { language, N_, recorded, t } from "../i18n.js";

// --- the fold ---------------------------------------------------------------------------------

const find = (list, id) => list.find((x) => x.id === id);
const VOTES = ["for", "against", "abstain"];

/** How and when a decision settles, in words, as the server's view says it (or how it did). */
function describeDecision(v, dec) {
  const status = capitalize(t(dec.status));
  if (dec.status !== "open") return dec.reason ? `${status}: ${recorded(dec.reason)}.` : `${status}.`;
  const closes = dec.deadline !== null
    ? ` ${t("Closes {time}.", { time: inWorldText(v.exercise.start, dec.deadline, { date: false, seconds: false }) })}` : "";
  return explain(dec.rule, dec.electorate, dec.votes) + closes;
}

registerFold("session_convened", (v, e) => {
  const d = e.data;
  v.sessions.push({ id: d.session_id, body: d.body, agenda: [...d.agenda], time_frame_minutes: d.time_frame_minutes,
    convened_at: e.exercise_time, ends_at: d.ends_at, open: true });
});
registerFold("session_closed", (v, e) => {
  const s = find(v.sessions, e.data.session_id);
  if (s) s.open = false;
});
registerFold("decision_proposed", (v, e) => {
  const d = e.data;
  const dec = { id: d.decision_id, body: d.body, kind: d.kind, title: d.title, text: d.text, proposer: e.actor,
    rule: { ...d.rule }, rule_description: describeRule(d.rule), eligible: [...d.eligible], electorate: [...d.eligible],
    recused: [...(d.recused || [])], bound: [...(d.bound ?? d.eligible)], threat_id: d.threat_id ?? null,
    proposed_at: e.exercise_time, deadline: d.deadline ?? null, session_id: d.session_id ?? null, region: d.region ?? null,
    subject: d.subject ?? null, votes: {}, status: "open", settled_at: null, tally: null, reason: null, implementations: {} };
  dec.description = describeDecision(v, dec);
  v.decisions.push(dec);
});
registerFold("vote_cast", (v, e) => {
  const dec = find(v.decisions, e.data.decision_id);
  if (!dec) return;
  dec.votes[e.actor] = e.data.vote;
  dec.description = describeDecision(v, dec);
});
for (const type of ["decision_adopted", "decision_rejected", "decision_lapsed"]) {
  registerFold(type, (v, e) => {
    const dec = find(v.decisions, e.data.decision_id);
    if (!dec) return;
    Object.assign(dec, { status: type.replace("decision_", ""), settled_at: e.exercise_time, tally: { ...e.data.tally },
      reason: e.data.reason ?? null, bound: e.data.bound ? [...e.data.bound] : dec.bound });
    dec.description = describeDecision(v, dec);
  });
}
registerFold("deadline_extended", (v, e) => {
  const dec = find(v.decisions, e.data.decision_id);
  if (!dec) return;
  dec.deadline = Number(e.data.deadline);
  dec.description = describeDecision(v, dec);
});
registerFold("implementation_recorded", (v, e) => {
  const dec = find(v.decisions, e.data.decision_id);
  if (dec) dec.implementations[e.actor] = { status: e.data.status, note: e.data.note ?? null, at: e.exercise_time };
});
registerFold("exercise_forked", (v, e) => {
  const d = e.data;
  if (d.rules) v.rules = d.rules.map((r) => ({ ...r, description: describeRule(r) }));
  for (const [id, rule] of Object.entries(d.reruled || {})) {
    const dec = find(v.decisions, id);
    if (!dec) continue;
    Object.assign(dec, { rule, rule_description: describeRule(rule) });
    dec.description = describeDecision(v, dec);
  }
  v.exercise.forked_from = { exercise_id: d.from_exercise_id, at: d.at };
});

// --- in words ---------------------------------------------------------------------------------

// the usual phrasing of the usual words; a scenario's own words for the votes are quoted
const VOTE_WORDS = { for: N_("voted for"), against: N_("voted against"), abstain: N_("abstained on") };
const votedText = (view, vote) => {
  const own = ((view && view.words && view.words.votes) || {})[vote];
  return (!own || own === vote) && VOTE_WORDS[vote] ? t(VOTE_WORDS[vote]) : t("voted “{word}” on", { word: voteWord(view, vote) });
};

function decisionTitle(view, id) {
  const dec = find(view.decisions || [], id);
  return dec ? `“${dec.title}”` : id;
}

registerDescription("session_convened", (e, view) => {
  const d = e.data;
  return { kind: "session", text: t("{seat} convened a session of the {body} for {minutes} minutes. Agenda: {agenda}.",
    { seat: seatName(view, e.actor), body: bodyName(view, d.body), minutes: d.time_frame_minutes, agenda: d.agenda.join("; ") }) };
});
registerDescription("session_closed", (e, view) => {
  const s = find(view.sessions || [], e.data.session_id);
  return { kind: "session", text: s ? t("The session of the {body} closed: its time frame ended.", { body: bodyName(view, s.body) })
    : t("The session closed: its time frame ended.") };
});
registerDescription("decision_proposed", (e, view) => {
  const d = e.data;
  const p = { seat: seatName(view, e.actor), body: bodyName(view, d.body), kind: decisionKindName(view, d.kind), title: d.title,
    text: d.text, subject: d.subject ? seatName(view, d.subject) : "" };
  return { kind: "decision", text: d.subject ? t("{seat} proposed to the {body} ({kind}, about {subject}): “{title}”. {text}", p)
    : t("{seat} proposed to the {body} ({kind}): “{title}”. {text}", p) };
});
registerDescription("vote_cast", (e, view) => {
  const d = e.data;
  return { kind: "vote", text: `${seatName(view, e.actor)} ${votedText(view, d.vote)} ${decisionTitle(view, d.decision_id)}` +
    `${d.changed_from ? ` ${t("(changed from {vote})", { vote: voteWord(view, d.changed_from) })}` : ""}.` };
});
for (const type of ["decision_adopted", "decision_rejected", "decision_lapsed"]) {
  const outcome = type.replace("decision_", "");
  const TITLES = { adopted: N_("Decision adopted"), rejected: N_("Decision rejected"), lapsed: N_("Decision lapsed") };
  registerDescription(type, (e, view) => ({ kind: "decision", title: t(TITLES[outcome]),
    text: `“${e.data.title}” (${bodyName(view, e.data.body)}) ${t(outcome)}: ${recorded(e.data.reason || "")}` +
      `${e.data.settlement === "closed" && e.data.closed_by ? ` ${t("(vote closed by {seat})", { seat: seatName(view, e.data.closed_by) })}` : ""}` }));
}
registerDescription("deadline_extended", (e, view) => ({ kind: "decision",
  text: t("{seat} extended the deadline of {title} by {minutes} minutes (now {time}).", { seat: seatName(view, e.actor),
    title: decisionTitle(view, e.data.decision_id), minutes: e.data.minutes, time: hms(Number(e.data.deadline)) }) }));
registerDescription("implementation_recorded", (e, view) => {
  const d = e.data;
  return { kind: "decision", text: `${seatName(view, e.actor)}: ${decisionTitle(view, d.decision_id)} ` +
    `${d.status === "in_force" ? t("is in force") : t("is blocked")}${d.note ? `: ${d.note}` : "."}` };
});
registerDescription("exercise_forked", (e) => ({ kind: "clock",
  text: (e.data.rules ? t("Forked from exercise {id} at event {at}, under other decision rules.", { id: e.data.from_exercise_id, at: e.data.at })
    : t("Forked from exercise {id} at event {at}.", { id: e.data.from_exercise_id, at: e.data.at })) }));

registerSnapshot(10, (v) => [h("h3", {}, t("Decisions")), objectTable(v.decisions.map((d) => {
  const n = d.tally && d.status !== "open" ? d.tally : tally(d);
  return { decision: d.title, body: bodyName(v, d.body), kind: decisionKindName(v, d.kind),
    rule: language() === "en" ? d.rule_description : describeRule(d.rule),
    votes: `${VOTES.map((x) => `${n[x]} ${voteWord(v, x)}`).join(" / ")} / ${t("{n} not voted", { n: n.not_voted })}`, status: d.status,
    reason: recorded(d.reason) };
}))]);

export function ruleFor(rules, body, kind) {
  let best = null;
  let rank = -1;
  for (const r of rules) {
    if (!["*", body].includes(r.body) || !["*", kind].includes(r.kind)) continue;
    const score = (r.body === body ? 2 : 0) + (r.kind === kind ? 1 : 0);
    if (score > rank) {
      best = r;
      rank = score;
    }
  }
  return best;
}

/** The live tally of an open decision: the votes of its electorate as it stands. */
export function tally(dec) {
  return tallyOf(dec.votes, dec.electorate || dec.eligible);
}

function ruleSummary(rule) {
  if (!rule) return "";
  const parts = [language() === "en" ? rule.description || humanize(rule.rule) : describeRule(rule)];
  if (rule.quorum !== undefined) parts.push(t("quorum {share}%", { share: Math.round(rule.quorum * 100) }));
  if (rule.deadline_minutes) parts.push(t("deadline {minutes} min", { minutes: rule.deadline_minutes }));
  if (rule.recuse_parties) parts.push(t("the parties named in the threat do not vote"));
  return parts.join(", ");
}

export function decisionsPanel(send) {
  const p = panel(t("Decisions"), { className: "decisions", id: "decisions" });
  const propose = proposeForm(send);
  const list = h("div", { class: "cards", id: "decision-list" });
  const empty = note(t("No decisions proposed yet."));
  const older = olderRows("decisions");
  p.body.append(propose.el, list, empty, older.el);

  function update(ctx) {
    propose.update(ctx);
    older.update(ctx);
    const items = [...ctx.view.decisions].sort((a, b) => Number(b.status === "open") - Number(a.status === "open") || b.proposed_at - a.proposed_at);
    empty.hidden = items.length > 0;
    syncList(list, items, (d) => d.id, (d) => card(send, d.id), ctx);
  }
  function tick(ctx) {
    for (const part of (list._keyed || new Map()).values()) part.tick(ctx);
  }
  return { el: p.el, update, tick };
}

registerPanel({ id: "decisions", column: "main", order: 30, roles: ALL_ROLES, create: (env) => decisionsPanel(env.send),
  news: (e, view) => generic(view, e).type === "decision_proposed" });

function proposeForm(send) {
  const body = select([]);
  const kind = select([]);
  const title = h("input", { type: "text", required: true, maxLength: 200, autocomplete: "off" });
  const text = h("textarea", { rows: 3, required: true, maxLength: 4000 });
  const deadline = h("input", { type: "number", min: 1, max: 10080, step: 1, inputmode: "numeric" });
  const session = select([["", t("No session")]]);
  const region = select([["", t("No region")]]);
  const subject = select([]);
  const threat = threatPicker();
  const answers = injectPicker();
  const rule = h("p", { class: "rule-hint", "aria-live": "polite" });
  const sessionField = field(t("Within session (optional)"), session);
  const regionField = field(t("Region (optional)"), region);
  const subjectField = field(t("The seat it is about"), subject);
  const subjectNote = h("p", { class: "note" });
  let lastCtx = null;
  const form = actionForm(send, {
    legend: t("Propose a decision"), submit: t("Propose"), className: "propose-decision", done: t("Proposed."), collapsible: true,
    children: [field(t("Body"), body).wrap, field(t("Kind"), kind).wrap, rule, subjectField.wrap, subjectNote, field(t("Title"), title).wrap,
      field(t("Text of the decision"), text).wrap,
      field(t("Deadline in minutes of exercise time (optional)"), deadline, t("Empty: the rule's default.")).wrap,
      sessionField.wrap, regionField.wrap, threat.wrap, answers.wrap],
    build() {
      if (!body.value || !kind.value) throw t("There is no kind of decision this body may take.");
      const b = { type: "propose_decision", body: body.value, kind: kind.value, title: title.value.trim(), text: text.value.trim() };
      if (deadline.value) b.deadline_minutes = Number(deadline.value);
      if (session.value) b.session_id = session.value;
      if (region.value) b.region = region.value;
      if (threat.value()) b.threat_id = threat.value();
      const k = lastCtx ? decisionKind(lastCtx.view, kind.value) : null;
      if (k && k.effect) {
        if (!subject.value) throw t("No seat can be the subject of this kind of decision now.");
        b.subject = subject.value;
      }
      return answers.add(b);
    },
    after() {
      title.value = "";
      text.value = "";
      deadline.value = "";
      threat.reset();
      answers.reset();
    },
  });

  /** The seats a decision with this effect may be about: applicants (admit), members (suspend). */
  function subjects(v, effect) {
    if (effect === "admit") {
      return (v.applications || []).filter((a) => a.status === "pending" && !a.decision_id).map((a) => a.seat);
    }
    if (effect === "suspend") return v.seats.filter((s) => s.member).map((s) => s.seat);
    return v.seats.map((s) => s.seat);
  }

  const refreshHints = () => {
    if (!lastCtx) return;
    const v = lastCtx.view;
    // only the kinds the chosen body may decide
    const competent = (v.institutions.decision_kinds || []).filter((k) => !k.bodies || k.bodies.includes(body.value));
    setOptions(kind, competent.map((k) => [k.id, decisionKindTitle(v, k.id)]));
    const r = ruleFor(v.rules, body.value, kind.value);
    setText(rule, r ? t("Rule in force: {rule}.", { rule: ruleSummary(r) }) : "");
    setOptions(session, [["", t("No session")], ...v.sessions.filter((s) => s.open && s.body === body.value)
      .map((s) => [s.id, t("{body} session: {agenda}", { body: bodyName(v, s.body), agenda: s.agenda.join("; ") })])]);
    sessionField.wrap.hidden = session.options.length <= 1;
    const k = decisionKind(v, kind.value);
    const effect = k ? k.effect : null;
    subjectField.wrap.hidden = !effect;
    const who = effect ? subjects(v, effect) : [];
    setOptions(subject, who.map((s) => [s, seatLabel(v, s)]));
    setText(subjectNote, effect === "admit" && !who.length ? t("No seat has a pending {application}.", { application: term(v, "application") }) : "");
    subjectNote.hidden = !(effect === "admit" && !who.length);
  };
  body.addEventListener("change", refreshHints);
  kind.addEventListener("change", refreshHints);
  return {
    el: form.el,
    update(ctx) {
      lastCtx = ctx;
      const { view, perms } = ctx;
      form.el.hidden = perms.proposesIn.length === 0;
      form.setEnabled(perms.inPlay);
      form.setLabels({ legend: moveTitle(view, "propose_decision") });
      setOptions(body, perms.proposesIn.map((id) => [id, `${bodyName(view, id)} (${id})`]));
      setOptions(region, [["", t("No region")], ...view.regions.map((r) => [r.id, regionName(view, r.id)])]);
      regionField.wrap.hidden = view.regions.length === 0;
      threat.update(view);
      answers.update(view);
      refreshHints();
    },
  };
}

const voteLabel = (view, vote) => capitalize(voteWord(view, vote));

/** Whether this seat closes votes in a body: its `who.close_vote` names it, its chair or its voters. */
function closesVotes(view, bodyId) {
  const body = view.bodies.find((b) => b.id === bodyId);
  if (!body || !body.who) return false;
  const roles = body.who.close_vote || [];
  return roles.includes(view.seat) || (roles.includes("chair") && body.chair === view.seat)
    || (roles.includes("members") && body.voters.includes(view.seat));
}

function card(send, id) {
  const title = h("h3", {});
  const meta = h("p", { class: "meta" });
  const text = h("p", { class: "decision-text" });
  const rule = h("p", { class: "rule" });
  const deadline = h("p", { class: "deadline" });
  const tallyEl = h("p", { class: "tally", "aria-live": "polite" });
  const votes = h("ul", { class: "votes", "aria-label": t("Votes") });
  const outcome = h("p", { class: "outcome", "aria-live": "polite" });
  const voteStatus = statusLine();
  const voteButtons = Object.fromEntries(VOTES.map((v) => [v,
    actionButton(send, capitalize(v), () => ({ type: "cast_vote", decision_id: id, vote: v }),
      { status: voteStatus, className: `vote vote-${v}`, done: t("Vote recorded.") })]));
  const myVote = h("p", { class: "my-vote" });
  const voting = h("div", { class: "voting", role: "group", "aria-label": t("Your vote") },
    h("div", { class: "buttons" }, Object.values(voteButtons)), myVote, voteStatus.el);

  // the chair (or whom the body names) and the facilitator may close the vote; the facilitator
  // may give more time
  const chairStatus = statusLine();
  const closeVote = actionButton(send, t("Close the vote"), () => ({ type: "close_vote", decision_id: id }),
    { status: chairStatus, className: "close-vote", done: t("The vote is closed.") });
  const minutes = h("input", { type: "number", min: 1, max: 10080, step: 1, value: "15", required: true });
  const extend = actionForm(send, {
    legend: t("Extend the deadline"), submit: t("Extend"), className: "extend-deadline", done: t("Deadline extended."),
    children: [field(t("Minutes of exercise time"), minutes).wrap],
    build: () => ({ type: "extend_deadline", decision_id: id, minutes: Number(minutes.value) }),
  });
  const chairing = h("div", { class: "chairing" }, h("div", { class: "buttons" }, closeVote), chairStatus.el, extend.el);

  const about = h("p", { class: "about" });
  const impls = h("ul", { class: "implementations", "aria-label": t("Implementation") });
  const implStatus = select([["in_force", t("In force")], ["blocked", t("Blocked")]]);
  const implNote = h("textarea", { rows: 2, maxLength: 4000 });
  const implForm = actionForm(send, {
    legend: t("Record your implementation"), submit: t("Record implementation"), className: "implementation", done: t("Recorded."),
    children: [field(t("Implementation status"), implStatus).wrap, field(t("Note (why blocked, which law, ...)"), implNote).wrap],
    build() {
      const b = { type: "record_implementation", decision_id: id, status: implStatus.value };
      if (implNote.value.trim()) b.note = implNote.value.trim();
      return b;
    },
  });
  const implHeading = h("h4", {}, t("Implementation"));
  const implSection = h("div", { class: "impl-section" }, implHeading, impls, implForm.el);
  const el = h("article", { class: "card decision", dataset: { id } },
    title, meta, about, text, rule, deadline, tallyEl, votes, voting, chairing, outcome, implSection);
  let dec = null;

  function tick(ctx) {
    if (!dec) return;
    if (dec.status !== "open" || dec.deadline === null) {
      deadline.hidden = dec.deadline === null;
      if (dec.deadline !== null) setText(deadline, t("Deadline was {time} exercise time.", { time: hms(dec.deadline) }));
      return;
    }
    deadline.hidden = false;
    const left = dec.deadline - ctx.now();
    const stopped = ctx.view.exercise.status !== "running";
    const p = { left: countdown(left), at: hms(dec.deadline), world: inWorldText(ctx.view.exercise.start, dec.deadline, { date: false }) };
    setText(deadline, left > 0
      ? (stopped ? t("Deadline in {left} of exercise time (at {at}, {world} in-world); the clock is stopped.", p)
        : t("Deadline in {left} of exercise time (at {at}, {world} in-world).", p))
      : t("Deadline reached ({at}); the outcome is being recorded.", p));
    deadline.classList.toggle("urgent", left > 0 && left < 300);
  }

  return {
    el,
    tick,
    update(d, ctx) {
      dec = d;
      const { view, perms } = ctx;
      el.dataset.status = d.status;
      fill(title, d.title, " ", badge(t(d.status), `st-${d.status}`));
      fill(meta, `${bodyName(view, d.body)} · ${decisionKindTitle(view, d.kind)} · ${t("proposed by {seat} at", { seat: seatName(view, d.proposer) })} `,
        when(view, d.proposed_at), d.subject ? ` · ${t("about {seat}", { seat: seatName(view, d.subject) })}` : "",
        d.region ? ` · ${regionName(view, d.region)}` : "");
      fill(about, d.threat_id ? t("About: {what}", { what: threatRef(view, d.threat_id) }) : "",
        d.recused.length ? `${d.threat_id ? " · " : ""}${t("Not voting, as parties named in the threat: {seats}", { seats: seatList(view, d.recused) })}` : "");
      about.hidden = !d.threat_id && !d.recused.length;
      fill(text, d.text);
      // in English the server's words (which the fold keeps to the character); else the catalog's
      const en = language() === "en";
      fill(rule, h("strong", {}, t("Rule:"), " "), en ? d.rule_description : describeRule(d.rule),
        d.status === "open" ? `. ${en ? d.description : describeDecision(view, d)}` : ".");
      const n = d.tally && d.status !== "open" ? d.tally : tally(d);
      fill(tallyEl, h("strong", {}, t("Tally:"), " "), `${VOTES.map((v) => `${n[v]} ${voteWord(view, v)}`).join(", ")}, ` +
        t("{n} not voted (of {eligible} eligible).", { n: n.not_voted, eligible: n.eligible }));
      fill(votes, (d.status === "open" ? d.electorate || d.eligible : d.eligible).map((s) => {
        const v = d.votes[s];
        return h("li", { class: `vote-chip ${v || "none"}`, dataset: { seat: s } }, seatName(view, s), ": ", v ? voteLabel(view, v) : t("not voted"));
      }));
      const canVote = Boolean(perms.may("cast_vote")) && d.status === "open" && d.eligible.includes(view.seat)
        && !d.recused.includes(view.seat);
      voting.hidden = !canVote;
      const mine = d.votes[view.seat];
      for (const [v, b] of Object.entries(voteButtons)) {
        setText(b, voteLabel(view, v));
        b.setAttribute("aria-label", `${moveLabel(view, "cast_vote")} ${voteWord(view, v)}: ${d.title}`);
        b.setAttribute("aria-pressed", String(mine === v));
        allow(b, perms.inPlay && mine !== v);
      }
      setText(myVote, mine ? t("You voted {vote}; you may change your vote until the decision settles.", { vote: voteWord(view, mine) })
        : t("You have not voted yet."));
      const open = d.status === "open";
      const mayClose = open && (perms.facilitator || (perms.participant && closesVotes(view, d.body)));
      closeVote.hidden = !mayClose;
      closeVote.setAttribute("aria-label", `${moveLabel(view, "close_vote")}: ${d.title}`);
      setText(closeVote, moveLabel(view, "close_vote"));
      allow(closeVote, perms.inPlay);
      extend.el.hidden = !(open && perms.facilitator);
      extend.setEnabled(perms.inPlay);
      chairing.hidden = closeVote.hidden && extend.el.hidden;
      outcome.hidden = d.status === "open";
      if (d.status !== "open") {
        fill(outcome, h("strong", {}, capitalize(t(d.status))), ` ${t("at")} `, when(view, d.settled_at),
          d.reason ? `: ${recorded(d.reason)}` : "");
      }
      implSection.hidden = d.status !== "adopted";
      if (d.status === "adopted") {
        setText(implHeading, capitalize(term(view, "implementation")));
        impls.setAttribute("aria-label", capitalize(term(view, "implementation")));
        implForm.setLabels({ legend: moveTitle(view, "record_implementation"), submit: moveLabel(view, "record_implementation") });
        fill(impls, d.bound.map((s) => {
          const i = d.implementations[s];
          return h("li", { class: `impl ${i ? i.status : "none"}`, dataset: { seat: s } }, h("strong", {}, seatName(view, s)), ": ",
            i ? (i.status === "in_force" ? t("in force") : t("blocked")) : t("not recorded yet"), i && i.note ? ` (${i.note})` : "",
            i ? [" ", when(view, i.at)] : "");
        }));
        implForm.el.hidden = !(perms.participant && d.bound.includes(view.seat));
        if (!d.bound.length) fill(impls, h("li", {}, t("Nobody records the implementation of this decision.")));
        implForm.setEnabled(perms.inPlay);
      }
      tick(ctx);
    },
  };
}

// --- sessions ---------------------------------------------------------------------------------

export function sessionsPanel(send) {
  const p = panel(t("Sessions"), { className: "sessions", id: "sessions" });
  const body = select([]);
  const agenda = h("textarea", { rows: 3, required: true, placeholder: t("One item per line") });
  const minutes = h("input", { type: "number", min: 1, max: 10080, step: 1, value: "60", required: true });
  const form = actionForm(send, {
    legend: t("Convene a session"), submit: t("Convene"), className: "convene", done: t("Session convened."), collapsible: true,
    children: [field(t("Body"), body).wrap, field(t("Agenda (one item per line)"), agenda).wrap, field(t("Time frame in minutes"), minutes).wrap],
    build() {
      const items = agenda.value.split("\n").map((x) => x.trim()).filter(Boolean);
      if (!items.length) throw t("Write at least one agenda item.");
      return { type: "convene_session", body: body.value, agenda: items, time_frame_minutes: Number(minutes.value) };
    },
    after() { agenda.value = ""; },
  });
  const list = h("ul", { class: "records", id: "session-list" });
  const empty = note(t("No sessions convened."));
  const older = olderRows("sessions");
  p.body.append(form.el, list, empty, older.el);
  return {
    el: p.el,
    update(ctx) {
      const { view, perms } = ctx;
      const convenes = perms.convenes.length > 0;
      form.el.hidden = !convenes;
      form.setEnabled(perms.inPlay);
      form.setLabels({ legend: moveTitle(view, "convene_session") });
      setOptions(body, perms.convenes.map((id) => [id, `${bodyName(view, id)} (${id})`]));
      empty.hidden = view.sessions.length > 0;
      older.update(ctx);
      fill(list, view.sessions.map((s) => h("li", {}, when(view, s.convened_at), " ", h("strong", {}, bodyName(view, s.body)), " ",
        s.open ? badge(t("in session"), "open") : badge(t("closed"), "closed"),
        ` ${t("until")} `, when(view, s.ends_at), `. ${t("Agenda:")} `, s.agenda.join("; "))));
      p.el.hidden = !convenes && view.sessions.length === 0;
    },
  };
}

registerPanel({ id: "sessions", column: "main", order: 80, roles: ALL_ROLES, create: (env) => sessionsPanel(env.send) });
