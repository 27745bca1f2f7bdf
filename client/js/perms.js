// Which moves this seat may make now, derived from the view (the server decides; this only keeps
// the page from offering what it would refuse). Mirrors server/domain/decide.py.

export function permissions(view) {
  const seat = view.seat;
  const me = view.me;
  const status = view.exercise.status;
  const facilitator = seat === "facilitator";
  const observer = seat === "observer";
  const participant = !facilitator && !observer && Boolean(me);
  const paused = status === "paused";
  const allowPaused = Boolean(view.settings && view.settings.allow_actions_while_paused);
  const inPlay = !view.read_only && (status === "running" || (paused && allowPaused));
  const member = participant && me.status === "member";
  const powers = new Set(participant ? me.powers || [] : []);
  const office = participant && me.kind === "office";
  const has = (p) => office && powers.has(p);
  const proposeBodies = participant
    ? view.bodies.filter((b) => (member && b.members.includes(seat)) || has("propose_decision")).map((b) => b.id)
    : [];
  return {
    seat,
    facilitator,
    observer,
    staff: facilitator || observer,
    participant,
    member,
    inPlay,
    notYet: status === "created" || status === "new",
    ended: status === "ended",
    paused,
    readOnly: Boolean(view.read_only),
    whyNot: whyNot(view, status, allowPaused),
    reportThreat: participant && (me.kind === "state" || has("report_threat")),
    openConsultation: participant && (me.kind === "state" || has("request_consultation")),
    requestAssistance: member,
    respondAssistance: member,
    convene: has("convene_session"),
    proposeBodies,
    notify: participant && (member || has("notify_un_security_council")),
    requestAccession: participant && me.status === "non_signatory" &&
      !view.accessions.some((a) => a.seat === seat && a.status === "pending"),
    // the observer, too, may write to the facilitator (and be answered)
    control: (participant || observer) && status !== "ended" && !view.read_only,
  };
}

function whyNot(view, status, allowPaused) {
  if (view.read_only) return "This exercise was imported for review; it is read-only.";
  if (status === "created" || status === "new") return "The exercise has not started yet; moves open when the facilitator starts it.";
  if (status === "paused" && !allowPaused) return "The exercise is paused; wait for the facilitator to resume it.";
  if (status === "ended") return "The exercise has ended; no more moves can be made.";
  return "";
}
