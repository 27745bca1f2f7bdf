// The page's state is a fold of events over the seat's view (the shape of GET /state, see
// server/domain/views.py). `fold(view, events)` returns a new view; the input is never changed.
// It mirrors server/domain/state.py event by event, so the view after folding event N equals the
// server's view at N (a browser test checks this).

import { epochSeconds, inWorldIso, offset } from "./clock.js";

const STAFF = new Set(["facilitator", "observer"]);

export function describeRule(rule) {
  const name = String(rule.rule);
  if (name === "qualified_majority") return `qualified majority (${Math.round(Number(rule.threshold) * 100)}% of votes cast)`;
  if (name === "consensus" && rule.abstention_blocks) return "consensus (abstention blocks)";
  return name.replaceAll("_", " ");
}

export function fold(view, events) {
  const draft = structuredClone(view);
  for (const e of events) apply(draft, e);
  return draft;
}

export function evolve(view, event) {
  return fold(view, [event]);
}

const find = (list, id) => list.find((x) => x.id === id);

const handlers = {
  exercise_forked(v, e) {
    const d = e.data;
    if (d.rules) v.rules = d.rules.map((r) => ({ ...r, description: describeRule(r) }));
    for (const [id, rule] of Object.entries(d.reruled || {})) {
      const dec = find(v.decisions, id);
      if (dec) Object.assign(dec, { rule, rule_description: describeRule(rule) });
    }
    v.exercise.forked_from = { exercise_id: d.from_exercise_id, at: d.at };
  },
  exercise_started(v, e) {
    v.exercise.status = "running";
    v.exercise.clock = { running: true, speed: v.exercise.clock.speed, anchor_time: 0, anchor_wall: epochSeconds(e.recorded_at) };
  },
  exercise_paused(v, e) {
    v.exercise.status = "paused";
    v.exercise.clock = { ...v.exercise.clock, running: false, anchor_time: e.exercise_time, anchor_wall: epochSeconds(e.recorded_at) };
  },
  exercise_resumed(v, e) {
    v.exercise.status = "running";
    v.exercise.clock = { ...v.exercise.clock, running: true, anchor_time: e.exercise_time, anchor_wall: epochSeconds(e.recorded_at) };
  },
  clock_speed_set(v, e) {
    const factor = Number(e.data.factor ?? e.data.speed);
    v.exercise.clock = { ...v.exercise.clock, speed: factor, anchor_time: e.exercise_time, anchor_wall: epochSeconds(e.recorded_at) };
  },
  exercise_ended(v, e) {
    v.exercise.status = "ended";
    v.exercise.clock = { ...v.exercise.clock, running: false, anchor_time: e.exercise_time, anchor_wall: epochSeconds(e.recorded_at) };
  },
  inject_delivered(v, e) {
    const d = e.data;
    const trigger = d.trigger || "manual";
    if (STAFF.has(v.seat)) {
      const inj = find(v.injects, d.inject_id);
      if (inj && inj.status !== "delivered") {
        inj.status = "delivered";
        inj.delivered_at = e.exercise_time;
      } else if (!inj) {
        v.injects.push({ id: d.inject_id, title: d.title, trigger, delivered_at: e.exercise_time, status: "delivered",
          to: e.audience === null ? "all" : [...e.audience] });
      }
    } else if (!find(v.injects, d.inject_id)) {
      v.injects.push({ id: d.inject_id, title: d.title, trigger, delivered_at: e.exercise_time, at: offset(e.exercise_time) });
    }
  },
  observation_added(v) {
    if (typeof v.observations === "number") v.observations += 1;
  },
  control_message_sent(v) {
    if (typeof v.control_messages === "number") v.control_messages += 1;
  },
  control_message_answered(v) {
    if (typeof v.control_messages === "number") v.control_messages += 1;
  },
  expectation_scored(v, e) {
    if (v.scores) v.scores[e.data.expectation_id] = { at: e.exercise_time, score: e.data.score, note: e.data.note ?? null };
  },
  threat_reported(v, e) {
    const d = e.data;
    v.threats.push({ id: d.threat_id, actor: e.actor, at: e.exercise_time, kind: d.kind, summary: d.summary, source: d.source ?? null });
  },
  consultation_opened(v, e) {
    const d = e.data;
    v.consultations.push({ id: d.consultation_id, convener: e.actor, topic: d.topic, members: [...d.members],
      private: Boolean(d.private), region: d.region ?? null, opened_at: e.exercise_time, open: true, statements: 0,
      outcome: null, position: null, closed_at: null });
  },
  consultation_invitees_added(v, e) {
    const d = e.data;
    let c = find(v.consultations, d.consultation_id);
    if (!c) {
      // invited into a private consultation opened before: this event is the first we see of it,
      // so its opening time and earlier statements are unknown here (the page re-reads the view)
      v._inexact = true;
      c = { id: d.consultation_id, convener: d.convener, topic: d.topic, members: [], private: Boolean(d.private),
        region: null, opened_at: e.exercise_time, open: true, statements: 0, outcome: null, position: null, closed_at: null };
      v.consultations.push(c);
    }
    c.members = [...d.members];
  },
  statement_posted(v, e) {
    const c = find(v.consultations, e.data.consultation_id);
    if (c) c.statements += 1;
  },
  consultation_closed(v, e) {
    const c = find(v.consultations, e.data.consultation_id);
    if (c) Object.assign(c, { open: false, outcome: e.data.outcome, position: e.data.position ?? null, closed_at: e.exercise_time });
  },
  assistance_requested(v, e) {
    const d = e.data;
    v.assistance.push({ id: d.request_id, requester: e.actor, kinds: [...d.kinds], summary: d.summary,
      requested_at: e.exercise_time, status: "open", closed_at: null, expected: [...d.expected], responses: {},
      awaiting: [...d.expected] });
  },
  assistance_responded(v, e) {
    const r = find(v.assistance, e.data.request_id);
    if (!r) return;
    r.responses[e.actor] = { response: e.data.response, details: e.data.details ?? null, at: e.exercise_time };
    r.awaiting = r.expected.filter((s) => !(s in r.responses));
  },
  assistance_request_closed(v, e) {
    const r = find(v.assistance, e.data.request_id);
    if (r) Object.assign(r, { status: e.data.status, closed_at: e.exercise_time });
  },
  session_convened(v, e) {
    const d = e.data;
    v.sessions.push({ id: d.session_id, body: d.body, agenda: [...d.agenda], time_frame_minutes: d.time_frame_minutes,
      convened_at: e.exercise_time, ends_at: d.ends_at, open: true });
  },
  session_closed(v, e) {
    const s = find(v.sessions, e.data.session_id);
    if (s) s.open = false;
  },
  decision_proposed(v, e) {
    const d = e.data;
    v.decisions.push({ id: d.decision_id, body: d.body, kind: d.kind, title: d.title, text: d.text, proposer: e.actor,
      rule: { ...d.rule }, rule_description: describeRule(d.rule), eligible: [...d.eligible], proposed_at: e.exercise_time,
      deadline: d.deadline ?? null, session_id: d.session_id ?? null, region: d.region ?? null, subject: d.subject ?? null,
      votes: {}, status: "open", settled_at: null, tally: null, reason: null, implementations: {} });
    if (d.kind === "accession" && d.subject) {
      const acc = v.accessions.find((a) => a.seat === d.subject && a.status === "pending");
      if (acc) acc.decision_id = d.decision_id;
    }
  },
  vote_cast(v, e) {
    const dec = find(v.decisions, e.data.decision_id);
    if (dec) dec.votes[e.actor] = e.data.vote;
  },
  implementation_recorded(v, e) {
    const dec = find(v.decisions, e.data.decision_id);
    if (dec) dec.implementations[e.actor] = { status: e.data.status, note: e.data.note ?? null, at: e.exercise_time };
  },
  un_security_council_notified(v, e) {
    const d = e.data;
    v.un_notifications.push({ id: d.notification_id, actor: e.actor, at: e.exercise_time, summary: d.summary,
      decision_id: d.decision_id ?? null });
  },
  accession_requested(v, e) {
    v.accessions.push({ id: e.data.accession_id, seat: e.actor, requested_at: e.exercise_time, status: "pending", decision_id: null });
  },
  seat_admitted(v, e) {
    const seat = e.data.seat;
    v._inexact = true; // which bodies are "all_members" is not in the view: re-read it to be sure
    const order = v.seats.map((s) => s.seat);
    const membersBefore = v.seats.filter((s) => s.status === "member").map((s) => s.seat);
    // bodies made of "all_members" list exactly the members; they take in the new one
    for (const body of v.bodies) {
      if (body.members.length === membersBefore.length && body.members.every((m, i) => m === membersBefore[i])) {
        body.members = order.filter((s) => s === seat || body.members.includes(s));
      }
    }
    for (const s of v.seats) if (s.seat === seat) s.status = "member";
    if (v.me && v.me.seat === seat) v.me.status = "member";
    for (const a of v.accessions) if (a.seat === seat && a.status === "pending") a.status = "admitted";
  },
};

function settled(v, e) {
  const dec = find(v.decisions, e.data.decision_id);
  if (!dec) return;
  const status = e.type.replace("decision_", "");
  Object.assign(dec, { status, settled_at: e.exercise_time, tally: { ...e.data.tally }, reason: e.data.reason ?? null });
  if (dec.kind === "accession" && status !== "adopted") {
    const acc = v.accessions.find((a) => a.decision_id === dec.id);
    if (acc) acc.status = "refused";
  }
}
handlers.decision_adopted = settled;
handlers.decision_rejected = settled;
handlers.decision_lapsed = settled;

/**
 * Apply one event to a draft view (mutating it). Unknown types only move the version. Sets
 * `v._inexact` when the view cannot be derived exactly from the event alone (then the page
 * re-reads GET /state?at=seq and folds on from there).
 */
export function apply(v, e) {
  const handler = handlers[e.type];
  if (handler) handler(v, e);
  v.exercise.version = e.seq;
  v.exercise.last_time = Math.max(v.exercise.last_time, e.exercise_time);
  v.exercise.in_world_now = inWorldIso(v.exercise.start, v.exercise.last_time);
}
