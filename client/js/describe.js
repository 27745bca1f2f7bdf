// Events in words, for the feed. Returns plain strings; the feed puts them in with text nodes.

const SPECIAL = { system: "System", facilitator: "Facilitator", observer: "Observer", all: "everyone" };

export function seatName(view, id) {
  if (id in SPECIAL) return SPECIAL[id];
  const seat = view && view.seats ? view.seats.find((s) => s.seat === id) : null;
  return seat ? seat.name : id;
}

export function seatList(view, ids) {
  if (ids === "all" || ids === null || ids === undefined) return "everyone";
  return ids.map((s) => seatName(view, s)).join(", ");
}

export function humanize(word) {
  return String(word ?? "").replaceAll("_", " ");
}

const byId = (list, id) => (list || []).find((x) => x.id === id);

function decisionTitle(view, id) {
  const dec = byId(view.decisions, id);
  return dec ? `“${dec.title}”` : id;
}

function consultationTopic(view, id) {
  const con = byId(view.consultations, id);
  return con ? `“${con.topic}”` : id;
}

const VOTE_WORDS = { for: "voted for", against: "voted against", abstain: "abstained on" };

/**
 * {kind, title, text, body}: `kind` is a CSS hint (inject, decision, message, ...), `title` a short
 * headline, `text` the sentence, `body` an optional longer text (an inject's body).
 */
export function describeEvent(e, view) {
  const d = e.data || {};
  const who = seatName(view, e.actor);
  switch (e.type) {
    case "exercise_created":
      return { kind: "clock", text: `Exercise created from the scenario “${d.title}”.` };
    case "exercise_forked":
      return { kind: "clock", text: `Forked from exercise ${d.from_exercise_id} at event ${d.at}${d.rules ? ", under other decision rules" : ""}.` };
    case "exercise_started":
      return { kind: "clock", text: `The exercise started (clock speed ×${d.speed ?? 1}).` };
    case "exercise_paused":
      return { kind: "clock", text: "The facilitator paused the exercise." };
    case "exercise_resumed":
      return { kind: "clock", text: "The facilitator resumed the exercise." };
    case "clock_speed_set":
      return { kind: "clock", text: `Clock speed set to ×${d.factor ?? d.speed}.` };
    case "exercise_ended":
      return { kind: "clock", text: "The exercise has ended." };
    case "inject_delivered":
      return { kind: "inject", title: d.title, body: d.body || "",
        text: `Inject to ${seatList(view, d.to)}${d.trigger && d.trigger !== "manual" ? ` (${humanize(d.trigger)})` : ""}.` };
    case "observation_added":
      return { kind: "observation", text: `Observation: ${d.text}` };
    case "threat_reported":
      return { kind: "threat", text: `${who} reported ${d.kind === "aggression" ? "an aggression" : "a threat"}: ${d.summary}${d.source ? ` (source: ${d.source})` : ""}` };
    case "consultation_opened":
      return { kind: "consultation", text: `${who} opened ${d.private ? "private " : ""}consultations on “${d.topic}” with ${seatList(view, d.members.filter((m) => m !== e.actor))}.` };
    case "consultation_invitees_added":
      return { kind: "consultation", text: `${who} invited ${seatList(view, d.invitees)} to “${d.topic}”.` };
    case "statement_posted":
      return { kind: "statement", text: `${who} in ${consultationTopic(view, d.consultation_id)}: ${d.text}` };
    case "consultation_closed":
      return { kind: "consultation", text: `${who} closed ${consultationTopic(view, d.consultation_id)}: ${d.outcome === "coordinated" ? "a coordinated position" : "no agreement"}${d.position ? `: ${d.position}` : "."}` };
    case "assistance_requested":
      return { kind: "assistance", text: `${who} requests assistance (${d.kinds.map(humanize).join(", ")}): ${d.summary}` };
    case "assistance_responded": {
      const req = byId(view.assistance, d.request_id);
      const to = req ? seatName(view, req.requester) : "the request";
      return { kind: "assistance", text: `${who} ${d.response === "pledge" ? "pledged assistance to" : "declined to assist"} ${to}${d.details ? `: ${d.details}` : "."}` };
    }
    case "assistance_request_closed":
      return { kind: "assistance", text: `${who} marked the request for assistance as ${d.status}.` };
    case "session_convened":
      return { kind: "session", text: `${who} convened a session of the ${d.body} for ${d.time_frame_minutes} minutes. Agenda: ${d.agenda.join("; ")}.` };
    case "session_closed":
      return { kind: "session", text: `The session ${d.session_id} closed: its time frame ended.` };
    case "decision_proposed":
      return { kind: "decision", text: `${who} proposed to the ${d.body} (${humanize(d.kind)}): “${d.title}”. ${d.text}` };
    case "vote_cast":
      return { kind: "vote", text: `${who} ${VOTE_WORDS[d.vote] || d.vote} ${decisionTitle(view, d.decision_id)}${d.changed_from ? ` (changed from ${d.changed_from})` : ""}.` };
    case "decision_adopted":
    case "decision_rejected":
    case "decision_lapsed":
      return { kind: "decision", title: `Decision ${e.type.replace("decision_", "")}`, text: `“${d.title}” (${d.body}) ${e.type.replace("decision_", "")}: ${d.reason || ""}` };
    case "implementation_recorded":
      return { kind: "decision", text: `${who}: ${decisionTitle(view, d.decision_id)} ${d.status === "in_force" ? "is in force" : "is blocked"}${d.note ? `: ${d.note}` : "."}` };
    case "un_security_council_notified":
      return { kind: "un", text: `${who} notified the UN Security Council: ${d.summary}` };
    case "accession_requested":
      return { kind: "accession", text: `${who} requested accession to the Treaty.` };
    case "seat_admitted":
      return { kind: "accession", text: `${seatName(view, d.seat)} was admitted as a participating state.` };
    case "control_message_sent":
      return { kind: "message", text: `${who} to the facilitator: ${d.text}` };
    case "control_message_answered":
      return { kind: "message", text: `Facilitator to ${seatName(view, d.seat)}: ${d.text}` };
    case "expectation_scored":
      return { kind: "observation", text: `Expectation ${d.expectation_id} scored ${humanize(d.score)}${d.note ? `: ${d.note}` : "."}` };
    default:
      return { kind: "other", text: `${who}: ${humanize(e.type)}` };
  }
}
