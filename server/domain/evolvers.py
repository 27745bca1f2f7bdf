"""How each event changes the state: one handler per event type, registered with `handles`.

Handlers write to a `Draft` (see state.py): plain fields are set, tables are taken with `own`
before they are written, entities are replaced, never changed in place.
"""

from __future__ import annotations

from dataclasses import replace

from .clock import Clock
from .events import Event
from .scenario import RuleBinding, Scenario, parse_offset
from .state import (Accession, AssistanceRequest, Consultation, Decision, DeliveredInject, Draft, Implementation, Record,
                    Response, Session, Watch, handles)


# --- lifecycle -------------------------------------------------------------------------------

@handles("exercise_created")
def _created(d: Draft, e: Event) -> None:
    scenario = Scenario.model_validate(e.data["scenario"])
    d.scenario = scenario
    d.scenario_hash = e.data.get("scenario_hash", "")
    d.status = "created"
    d.rules = tuple(scenario.rules)
    d.statuses = {s.id: s.status for s in scenario.seats if s.kind == "state" and s.status}
    d.clock = Clock(False, scenario.speed, 0.0, e.recorded_at)


@handles("exercise_forked")
def _forked(d: Draft, e: Event) -> None:
    rules = e.data.get("rules")
    if rules:
        d.rules = tuple(RuleBinding.model_validate(r) for r in rules)
    reruled = e.data.get("reruled") or {}
    if reruled:
        decisions = d.own("decisions")
        for decision_id, rule in reruled.items():
            decisions[decision_id] = replace(decisions[decision_id], rule=dict(rule))
    d.forked_from = {"exercise_id": e.data["from_exercise_id"], "at": e.data["at"]}


@handles("exercise_started")
def _started(d: Draft, e: Event) -> None:
    d.status = "running"
    d.clock = d.clock.started(e.recorded_at, d.clock.speed)


@handles("exercise_paused")
def _paused(d: Draft, e: Event) -> None:
    d.status = "paused"
    d.clock = d.clock.paused(e.exercise_time, e.recorded_at)


@handles("exercise_resumed")
def _resumed(d: Draft, e: Event) -> None:
    d.status = "running"
    d.clock = d.clock.resumed(e.exercise_time, e.recorded_at)


@handles("clock_speed_set")
def _speed(d: Draft, e: Event) -> None:
    d.clock = d.clock.with_speed(float(e.data["factor"]), e.exercise_time, e.recorded_at)


@handles("exercise_ended")
def _ended(d: Draft, e: Event) -> None:
    d.status = "ended"
    d.clock = d.clock.paused(e.exercise_time, e.recorded_at)


# --- injects, observations, control channel ------------------------------------------------

@handles("inject_delivered")
def _inject(d: Draft, e: Event) -> None:
    data = e.data
    inject_id = data["inject_id"]
    d.own("delivered")[inject_id] = DeliveredInject(inject_id, data["title"], e.exercise_time, e.audience,
                                                    data.get("trigger", "manual"))
    # an `unless` trigger anchored on this inject starts watching now
    assert d.scenario is not None
    for inj in d.scenario.injects:
        u = inj.unless
        if u is None or inj.id in d.watches or inj.id in d.delivered:
            continue
        if isinstance(u.after, str) and u.after == inject_id:
            _start_watch(d, inj.id, e.exercise_time)


def _start_watch(d: Draft, inject_id: str, anchor: float) -> None:
    assert d.scenario is not None
    inj = d.scenario.inject(inject_id)
    assert inj is not None and inj.unless is not None
    d.own("watches")[inject_id] = Watch(inject_id, anchor, anchor + parse_offset(inj.unless.within))


def follow_unless_triggers(d: Draft, e: Event) -> None:
    """Start `unless` triggers anchored on this event, and mark those it satisfies."""
    _start_event_anchored_watches(d, e)
    _observe_watches(d, e)


def _observe_watches(d: Draft, e: Event) -> None:
    """Mark `unless` triggers satisfied by this event."""
    assert d.scenario is not None
    for inject_id, w in list(d.watches.items()):
        if w.satisfied or inject_id in d.delivered:
            continue
        spec = d.scenario.unless_specs[inject_id]
        if spec.matches(e) and e.exercise_time <= w.due:
            d.own("watches")[inject_id] = replace(w, satisfied=True)


def _start_event_anchored_watches(d: Draft, e: Event) -> None:
    """`unless` triggers anchored on an event pattern (not an inject) start when it first occurs."""
    assert d.scenario is not None
    for inject_id, anchor in d.scenario.unless_anchors.items():
        if inject_id in d.watches or inject_id in d.delivered:
            continue
        if anchor.matches(e):
            _start_watch(d, inject_id, e.exercise_time)


@handles("observation_added")
def _observation(d: Draft, e: Event) -> None:
    d.observations += 1


@handles("control_message_sent", "control_message_answered")
def _control(d: Draft, e: Event) -> None:
    d.control_messages += 1


@handles("expectation_scored")
def _scored(d: Draft, e: Event) -> None:
    data = e.data
    d.own("scores")[data["expectation_id"]] = Record(data["expectation_id"], e.actor, e.exercise_time,
                                                    {"score": data["score"], "note": data.get("note")})


# --- threats, consultations ----------------------------------------------------------------

@handles("threat_reported")
def _threat(d: Draft, e: Event) -> None:
    data = e.data
    d.own("threats")[data["threat_id"]] = Record(data["threat_id"], e.actor, e.exercise_time,
                                                 {"kind": data["kind"], "summary": data["summary"], "source": data.get("source")})


@handles("consultation_opened")
def _consultation_opened(d: Draft, e: Event) -> None:
    data = e.data
    c = Consultation(data["consultation_id"], e.actor, data["topic"], tuple(data["members"]), bool(data["private"]),
                     data.get("region"), e.exercise_time, e.audience)
    d.own("consultations")[c.id] = c


@handles("consultation_invitees_added")
def _invited(d: Draft, e: Event) -> None:
    table = d.own("consultations")
    c = table[e.data["consultation_id"]]
    table[c.id] = replace(c, members=tuple(e.data["members"]), audience=e.audience)


@handles("statement_posted")
def _statement(d: Draft, e: Event) -> None:
    counts = d.own("statement_counts")
    consultation_id = e.data["consultation_id"]
    counts[consultation_id] = counts.get(consultation_id, 0) + 1


@handles("consultation_closed")
def _consultation_closed(d: Draft, e: Event) -> None:
    table = d.own("consultations")
    c = table[e.data["consultation_id"]]
    table[c.id] = replace(c, open=False, outcome=e.data["outcome"], position=e.data.get("position"), closed_at=e.exercise_time)


# --- assistance ----------------------------------------------------------------------------

@handles("assistance_requested")
def _assistance_requested(d: Draft, e: Event) -> None:
    data = e.data
    r = AssistanceRequest(data["request_id"], e.actor, tuple(data["kinds"]), data["summary"], e.exercise_time,
                          tuple(data["expected"]))
    d.own("assistance")[r.id] = r


@handles("assistance_responded")
def _assistance_responded(d: Draft, e: Event) -> None:
    table = d.own("assistance")
    r = table[e.data["request_id"]]
    responses = dict(r.responses)
    responses[e.actor] = Response(e.data["response"], e.data.get("details"), e.exercise_time)
    table[r.id] = replace(r, responses=responses)


@handles("assistance_request_closed")
def _assistance_closed(d: Draft, e: Event) -> None:
    table = d.own("assistance")
    r = table[e.data["request_id"]]
    table[r.id] = replace(r, status=e.data["status"], closed_at=e.exercise_time)


# --- sessions and decisions ------------------------------------------------------------------

@handles("session_convened")
def _session(d: Draft, e: Event) -> None:
    data = e.data
    s = Session(data["session_id"], data["body"], tuple(data["agenda"]), int(data["time_frame_minutes"]), e.exercise_time,
                float(data["ends_at"]))
    d.own("sessions")[s.id] = s


@handles("session_closed")
def _session_closed(d: Draft, e: Event) -> None:
    table = d.own("sessions")
    table[e.data["session_id"]] = replace(table[e.data["session_id"]], open=False)


@handles("decision_proposed")
def _proposed(d: Draft, e: Event) -> None:
    data = e.data
    dec = Decision(
        id=data["decision_id"], body=data["body"], kind=data["kind"], title=data["title"], text=data["text"],
        proposer=e.actor, rule=dict(data["rule"]), eligible=tuple(data["eligible"]), proposed_at=e.exercise_time,
        deadline=data.get("deadline"), session_id=data.get("session_id"), region=data.get("region"),
        subject=data.get("subject"),
    )
    d.own("decisions")[dec.id] = dec
    if dec.kind == "accession" and dec.subject:
        acc = next((a for a in d.accessions.values() if a.seat == dec.subject and a.status == "pending"), None)
        if acc is not None:
            d.own("accessions")[acc.id] = replace(acc, decision_id=dec.id)


@handles("vote_cast")
def _vote(d: Draft, e: Event) -> None:
    ballots = d.own("ballots")  # votes are frequent: a small dict per decision, not a new Decision each time
    decision_id = e.data["decision_id"]
    votes = dict(ballots.get(decision_id, ()))
    votes[e.actor] = e.data["vote"]
    ballots[decision_id] = votes


@handles("decision_adopted", "decision_rejected", "decision_lapsed")
def _settled(d: Draft, e: Event) -> None:
    table = d.own("decisions")
    dec = table[e.data["decision_id"]]
    status = e.type.removeprefix("decision_")
    dec = replace(dec, status=status, settled_at=e.exercise_time, tally=dict(e.data["tally"]), reason=e.data.get("reason"))
    table[dec.id] = dec
    if dec.kind == "accession" and status != "adopted":
        acc = next((a for a in d.accessions.values() if a.decision_id == dec.id), None)
        if acc is not None:
            d.own("accessions")[acc.id] = replace(acc, status="refused")


@handles("implementation_recorded")
def _implementation(d: Draft, e: Event) -> None:
    table = d.own("decisions")
    dec = table[e.data["decision_id"]]
    implementations = dict(dec.implementations)
    implementations[e.actor] = Implementation(e.data["status"], e.data.get("note"), e.exercise_time)
    table[dec.id] = replace(dec, implementations=implementations)


@handles("un_security_council_notified")
def _un(d: Draft, e: Event) -> None:
    data = e.data
    d.own("notifications")[data["notification_id"]] = Record(
        data["notification_id"], e.actor, e.exercise_time, {"summary": data["summary"], "decision_id": data.get("decision_id")})


@handles("accession_requested")
def _accession_requested(d: Draft, e: Event) -> None:
    a = Accession(e.data["accession_id"], e.actor, e.exercise_time)
    d.own("accessions")[a.id] = a


@handles("seat_admitted")
def _admitted(d: Draft, e: Event) -> None:
    seat = e.data["seat"]
    for a in list(d.accessions.values()):
        if a.seat == seat and a.status == "pending":
            d.own("accessions")[a.id] = replace(a, status="admitted")
    d.own("statuses")[seat] = "member"
