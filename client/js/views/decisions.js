// Decisions (Art. 6 and the CCS Statute): propose to a body, vote (and change the vote) with a live
// tally against the rule in force, the deadline counting down in exercise time, the outcome; then
// national implementation by each state bound by it.

import { countdown, hms, inWorldText } from "../clock.js";
import { humanize, seatName } from "../describe.js";
import { field, fill, h, select, setOptions, setText, syncList } from "../dom.js";
import { actionButton, actionForm, allow, statusLine } from "../forms.js";
import { badge, note, panel, when } from "./common.js";

/** The smallest whole number that is at least `fraction` of `of` (rules.py: needed). */
export function needed(fraction, of) {
  return Math.ceil(Math.round(Number(fraction) * of * 1e9) / 1e9);
}

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

export function tally(dec) {
  const t = { for: 0, against: 0, abstain: 0 };
  for (const v of Object.values(dec.votes)) t[v] += 1;
  t.cast = t.for + t.against + t.abstain;
  t.eligible = dec.eligible.length;
  t.not_voted = t.eligible - t.cast;
  return t;
}

/** What the rule needs, in words. */
export function ruleNeeds(rule, eligible) {
  const quorum = rule.quorum ?? 0.5;
  switch (rule.rule) {
    case "consensus":
      return `Adopted when no one votes against${rule.abstention_blocks ? " or abstains" : ""} and at least ` +
        `${needed(quorum, eligible)} of ${eligible} vote for.`;
    case "simple_majority":
      return `At least ${needed(quorum, eligible)} of ${eligible} must vote; adopted with more votes for than against.`;
    case "qualified_majority":
      return `At least ${needed(quorum, eligible)} of ${eligible} must vote; adopted when at least ` +
        `${Math.round(rule.threshold * 100)}% of the votes cast are for.`;
    case "silence_procedure":
      return "Adopted at the deadline unless someone objects (votes against).";
    default:
      return "";
  }
}

function ruleSummary(rule) {
  if (!rule) return "";
  const parts = [rule.description || humanize(rule.rule)];
  if (rule.quorum !== undefined) parts.push(`quorum ${Math.round(rule.quorum * 100)}%`);
  if (rule.deadline_minutes) parts.push(`deadline ${rule.deadline_minutes} min`);
  if (rule.non_signatories_vote) parts.push("non-signatories vote");
  return parts.join(", ");
}

export function decisionsPanel(send) {
  const p = panel("Decisions", { className: "decisions", id: "decisions" });
  const propose = proposeForm(send);
  const list = h("div", { class: "cards", id: "decision-list" });
  const empty = note("No decisions proposed yet.");
  p.body.append(propose.el, list, empty);

  function update(ctx) {
    propose.update(ctx);
    const items = [...ctx.view.decisions].sort((a, b) => Number(b.status === "open") - Number(a.status === "open") || b.proposed_at - a.proposed_at);
    empty.hidden = items.length > 0;
    syncList(list, items, (d) => d.id, (d) => card(send, d.id), ctx);
  }
  function tick(ctx) {
    for (const part of (list._keyed || new Map()).values()) part.tick(ctx);
  }
  return { el: p.el, update, tick };
}

function proposeForm(send) {
  const body = select([]);
  const kind = select([]);
  const title = h("input", { type: "text", required: true, maxLength: 200, autocomplete: "off" });
  const text = h("textarea", { rows: 3, required: true, maxLength: 4000 });
  const deadline = h("input", { type: "number", min: 1, max: 10080, step: 1, inputmode: "numeric" });
  const session = select([["", "No session"]]);
  const region = select([["", "No region"]]);
  const subject = select([]);
  const rule = h("p", { class: "rule-hint", "aria-live": "polite" });
  const sessionField = field("Within session (optional)", session);
  const regionField = field("Region (optional)", region);
  const subjectField = field("Seat asking to join", subject);
  let lastCtx = null;
  const form = actionForm(send, {
    legend: "Propose a decision", submit: "Propose", className: "propose-decision", done: "Proposed.", collapsible: true,
    children: [field("Body", body).wrap, field("Kind", kind).wrap, rule, field("Title", title).wrap,
      field("Text of the decision", text).wrap,
      field("Deadline in minutes of exercise time (optional)", deadline, "Empty: the rule's default.").wrap,
      sessionField.wrap, regionField.wrap, subjectField.wrap],
    build() {
      const b = { type: "propose_decision", body: body.value, kind: kind.value, title: title.value.trim(), text: text.value.trim() };
      if (deadline.value) b.deadline_minutes = Number(deadline.value);
      if (session.value) b.session_id = session.value;
      if (region.value) b.region = region.value;
      if (kind.value === "accession") {
        if (!subject.value) throw "No seat has a pending request for accession.";
        b.subject = subject.value;
      }
      return b;
    },
    after() {
      title.value = "";
      text.value = "";
      deadline.value = "";
    },
  });
  const refreshHints = () => {
    if (!lastCtx) return;
    const v = lastCtx.view;
    const r = ruleFor(v.rules, body.value, kind.value);
    setText(rule, r ? `Rule in force: ${ruleSummary(r)}.` : "");
    setOptions(session, [["", "No session"], ...v.sessions.filter((s) => s.open && s.body === body.value)
      .map((s) => [s.id, `${s.body} session: ${s.agenda.join("; ")}`])]);
    sessionField.wrap.hidden = session.options.length <= 1;
    subjectField.wrap.hidden = kind.value !== "accession";
    const pending = v.accessions.filter((a) => a.status === "pending" && !a.decision_id);
    setOptions(subject, pending.map((a) => [a.seat, seatName(v, a.seat)]));
  };
  body.addEventListener("change", refreshHints);
  kind.addEventListener("change", refreshHints);
  return {
    el: form.el,
    update(ctx) {
      lastCtx = ctx;
      const { view, perms } = ctx;
      form.el.hidden = perms.proposeBodies.length === 0;
      form.setEnabled(perms.inPlay);
      setOptions(body, perms.proposeBodies.map((id) => {
        const b = view.bodies.find((x) => x.id === id);
        return [id, b ? `${b.name} (${id})` : id];
      }));
      setOptions(kind, (view.settings.decision_kinds || []).map((k) => [k, humanize(k)]));
      setOptions(region, [["", "No region"], ...view.regions.map((r) => [r.id, r.name])]);
      regionField.wrap.hidden = view.regions.length === 0;
      refreshHints();
    },
  };
}

const VOTE_LABEL = { for: "For", against: "Against", abstain: "Abstain" };

function card(send, id) {
  const title = h("h3", {});
  const meta = h("p", { class: "meta" });
  const text = h("p", { class: "decision-text" });
  const rule = h("p", { class: "rule" });
  const deadline = h("p", { class: "deadline" });
  const tallyEl = h("p", { class: "tally", "aria-live": "polite" });
  const votes = h("ul", { class: "votes", "aria-label": "Votes" });
  const outcome = h("p", { class: "outcome", "aria-live": "polite" });
  const voteStatus = statusLine();
  const voteButtons = Object.fromEntries(["for", "against", "abstain"].map((v) => [v,
    actionButton(send, VOTE_LABEL[v], () => ({ type: "cast_vote", decision_id: id, vote: v }),
      { status: voteStatus, className: `vote vote-${v}`, done: "Vote recorded." })]));
  const ARIA = { for: "Vote for", against: "Vote against", abstain: "Abstain on" };
  const myVote = h("p", { class: "my-vote" });
  const voting = h("div", { class: "voting", role: "group", "aria-label": "Your vote" },
    h("div", { class: "buttons" }, Object.values(voteButtons)), myVote, voteStatus.el);

  const impls = h("ul", { class: "implementations", "aria-label": "National implementation" });
  const implStatus = select([["in_force", "In force"], ["blocked", "Blocked"]]);
  const implNote = h("textarea", { rows: 2, maxLength: 4000 });
  const implForm = actionForm(send, {
    legend: "Record your implementation", submit: "Record implementation", className: "implementation", done: "Recorded.",
    children: [field("Status in your country", implStatus).wrap, field("Note (why blocked, which law, ...)", implNote).wrap],
    build() {
      const b = { type: "record_implementation", decision_id: id, status: implStatus.value };
      if (implNote.value.trim()) b.note = implNote.value.trim();
      return b;
    },
  });
  const implSection = h("div", { class: "impl-section" }, h("h4", {}, "National implementation"), impls, implForm.el);
  const el = h("article", { class: "card decision", dataset: { id } },
    title, meta, text, rule, deadline, tallyEl, votes, voting, outcome, implSection);
  let dec = null;

  function tick(ctx) {
    if (!dec) return;
    if (dec.status !== "open" || dec.deadline === null) {
      deadline.hidden = dec.deadline === null;
      if (dec.deadline !== null) setText(deadline, `Deadline was ${hms(dec.deadline)} exercise time.`);
      return;
    }
    deadline.hidden = false;
    const left = dec.deadline - ctx.now();
    const stopped = ctx.view.exercise.status !== "running";
    setText(deadline, left > 0
      ? `Deadline in ${countdown(left)} of exercise time (at ${hms(dec.deadline)}, ${inWorldText(ctx.view.exercise.start, dec.deadline, { date: false })} in-world)${stopped ? "; the clock is stopped" : ""}.`
      : `Deadline reached (${hms(dec.deadline)}); the outcome is being recorded.`);
    deadline.classList.toggle("urgent", left > 0 && left < 300);
  }

  return {
    el,
    tick,
    update(d, ctx) {
      dec = d;
      const { view, perms } = ctx;
      el.dataset.status = d.status;
      fill(title, d.title, " ", badge(d.status, `st-${d.status}`));
      fill(meta, `${d.body} · ${humanize(d.kind)} · proposed by ${seatName(view, d.proposer)} at `, when(view, d.proposed_at),
        d.subject ? ` · about ${seatName(view, d.subject)}` : "", d.region ? ` · region ${d.region}` : "");
      fill(text, d.text);
      fill(rule, h("strong", {}, "Rule: "), d.rule_description, `. ${ruleNeeds(d.rule, d.eligible.length)}`);
      const t = d.tally && d.status !== "open" ? d.tally : tally(d);
      fill(tallyEl, h("strong", {}, "Tally: "), `${t.for} for, ${t.against} against, ${t.abstain} abstain, ` +
        `${t.not_voted} not voted (of ${t.eligible} eligible).`);
      fill(votes, d.eligible.map((s) => {
        const v = d.votes[s];
        return h("li", { class: `vote-chip ${v || "none"}`, dataset: { seat: s } }, seatName(view, s), ": ", v ? VOTE_LABEL[v] : "not voted");
      }));
      const canVote = perms.participant && d.status === "open" && d.eligible.includes(view.seat);
      voting.hidden = !canVote;
      const mine = d.votes[view.seat];
      for (const [v, b] of Object.entries(voteButtons)) {
        b.setAttribute("aria-label", `${ARIA[v]}: ${d.title}`);
        b.setAttribute("aria-pressed", String(mine === v));
        allow(b, perms.inPlay && mine !== v);
      }
      setText(myVote, mine ? `You voted ${VOTE_LABEL[mine].toLowerCase()}; you may change your vote until the decision settles.` : "You have not voted yet.");
      outcome.hidden = d.status === "open";
      if (d.status !== "open") {
        fill(outcome, h("strong", {}, `${d.status[0].toUpperCase()}${d.status.slice(1)}`), ` at `, when(view, d.settled_at),
          d.reason ? `: ${d.reason}` : "");
      }
      implSection.hidden = d.status !== "adopted";
      if (d.status === "adopted") {
        fill(impls, d.eligible.map((s) => {
          const i = d.implementations[s];
          return h("li", { class: `impl ${i ? i.status : "none"}`, dataset: { seat: s } }, h("strong", {}, seatName(view, s)), ": ",
            i ? (i.status === "in_force" ? "in force" : "blocked") : "not recorded yet", i && i.note ? ` (${i.note})` : "",
            i ? [" ", when(view, i.at)] : "");
        }));
        implForm.el.hidden = !(perms.participant && d.eligible.includes(view.seat));
        implForm.setEnabled(perms.inPlay);
      }
      tick(ctx);
    },
  };
}
