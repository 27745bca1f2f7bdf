"""`decide(state, command, seat=..., now=...)`: judge a command, return the events it records.

All judgment is here: who may do what, and when. A refusal raises `Refused` with a code and a
sentence a participant understands. Events get their `seq` from the stream version, so ids derived
from it (`dec_12`, `con_5`) are the same in a replay or a fork.

After the command's own events, `_react` adds what follows from them, as `system`: a decision
settled by the last vote, a seat admitted by an accession decision, injects triggered by an event.
`Tick` (the scheduler's command) adds what is due by time: scheduled injects, deadlines, `unless`
triggers, the end of a session's time frame.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from typing import Any, Callable, Mapping

from . import commands as c
from .errors import Refused, conflict, forbidden, invalid
from .events import FACILITATOR, OBSERVER, SYSTEM, Event, EventSpec, new_event
from .rules import settle, tally
from .scenario import RuleBinding, Scenario, parse_offset
from .state import Decision, State, evolve
from .visibility import FACILITATOR_ONLY, OBSERVER_ONLY

MAX_REACTIONS = 1000


def scenario_hash(definition: Mapping[str, Any]) -> str:
    return hashlib.sha256(json.dumps(definition, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()).hexdigest()


def create(scenario: Scenario, *, now: float) -> list[Event]:
    """The first event of every exercise: the whole scenario, and its content hash."""
    definition = scenario.model_dump(mode="json")
    return [new_event(
        "exercise_created", SYSTEM,
        {"scenario_id": scenario.id, "title": scenario.title, "scenario": definition, "scenario_hash": scenario_hash(definition)},
        seq=1, exercise_time=0.0, recorded_at=now, audience=OBSERVER_ONLY,
    )]


class _Batch:
    """The events one command records, folded as they are made so later checks see earlier ones."""

    def __init__(self, state: State, now: float, at: float | None = None) -> None:
        self.state = state
        self.now = now
        clock_time = state.clock.time_at(now) if at is None else at
        self.time = round(max(state.last_time, clock_time), 3)
        self.events: list[Event] = []
        self.reacted = 0  # how many of `events` _react has looked at

    @property
    def next_seq(self) -> int:
        return self.state.version + 1

    def emit(self, type: str, actor: str, data: dict[str, Any], *, audience: tuple[str, ...] | None = None,
             at: float | None = None) -> Event:
        time = self.time if at is None else round(max(at, self.state.last_time), 3)
        event = new_event(type, actor, data, seq=self.next_seq, exercise_time=time, recorded_at=self.now, audience=audience)
        self.events.append(event)
        self.state = evolve(self.state, event)
        return event


Handler = Callable[[_Batch, Any, str], None]
_HANDLERS: dict[str, Handler] = {}


def _handles(type: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        _HANDLERS[type] = fn
        return fn

    return register


def decide(state: State, command: c.Command, *, seat: str, now: float, at: float | None = None) -> list[Event]:
    """The events `command` by `seat` records at wall time `now`, or `Refused`.

    `at` fixes the exercise time instead of reading it off the clock: a fork that re-enacts the
    moves of another run places each at the exercise time it had there.
    """
    if state.scenario is None:
        raise conflict("no_exercise", "This exercise does not exist yet.")
    handler = _HANDLERS.get(command.type)
    if handler is None:
        raise invalid("unknown_command", f"Unknown command type {command.type!r}.")
    batch = _Batch(state, now, at)
    handler(batch, command, seat)
    _react(batch)
    return batch.events


# --- who is who ------------------------------------------------------------------------------

def _seat_kind(state: State, seat: str) -> str:
    if seat in (FACILITATOR, OBSERVER, SYSTEM):
        return seat
    assert state.scenario is not None
    s = state.scenario.seat(seat)
    if s is None:
        return "unknown"
    return s.kind


def _is_member(state: State, seat: str) -> bool:
    return state.statuses.get(seat) == "member"


def _has_power(state: State, seat: str, power: str) -> bool:
    assert state.scenario is not None
    s = state.scenario.seat(seat)
    return s is not None and s.kind == "office" and power in s.powers


def _require_facilitator(seat: str, what: str) -> None:
    if seat not in (FACILITATOR, SYSTEM):
        raise forbidden("facilitator_only", f"Only the facilitator can {what}.")


def _require_in_play(state: State, seat: str) -> None:
    """Participants act only while the exercise runs (or while paused, if the scenario allows)."""
    if state.status in ("new", "created"):
        raise conflict("not_started", "The exercise has not started yet.")
    if state.status == "ended":
        raise conflict("exercise_ended", "The exercise has ended; no more moves can be made.")
    assert state.scenario is not None
    if state.status == "paused" and seat not in (FACILITATOR, SYSTEM) and not state.scenario.settings.allow_actions_while_paused:
        raise conflict("exercise_paused", "The exercise is paused; wait for the facilitator to resume it.")


def _require_participant(state: State, seat: str) -> None:
    if seat == OBSERVER:
        raise forbidden("observer_read_only", "Observers watch; they cannot act in the exercise.")
    if seat in (FACILITATOR, SYSTEM):
        raise forbidden("participants_only", "This is a move for a participating seat, not the facilitator.")


def _resolve_seats(state: State, seats: list[str] | str, field: str, *, allow_all: bool = True) -> tuple[str, ...]:
    assert state.scenario is not None
    if seats == "all":
        if not allow_all:
            raise invalid("invalid_seats", f"{field}: list the seats")
        return tuple(s.id for s in state.scenario.seats)
    unknown = [s for s in seats if state.scenario.seat(s) is None]
    if unknown:
        raise invalid("unknown_seat", f"{field}: unknown seat(s) {', '.join(unknown)}.")
    return tuple(dict.fromkeys(seats))


# --- lifecycle -------------------------------------------------------------------------------

@_handles("start_exercise")
def _start(b: _Batch, cmd: c.StartExercise, seat: str) -> None:
    _require_facilitator(seat, "start the exercise")
    if b.state.status != "created":
        raise conflict("already_started", f"The exercise is already {b.state.status}.")
    b.time = 0.0  # the exercise clock reads 00:00 at the start, whenever the room gets going
    b.emit("exercise_started", seat, {"speed": b.state.clock.speed}, at=0.0)


@_handles("pause_exercise")
def _pause(b: _Batch, cmd: c.PauseExercise, seat: str) -> None:
    _require_facilitator(seat, "pause the exercise")
    if b.state.status != "running":
        raise conflict("not_running", f"Only a running exercise can be paused; this one is {b.state.status}.")
    b.emit("exercise_paused", seat, {})


@_handles("resume_exercise")
def _resume(b: _Batch, cmd: c.ResumeExercise, seat: str) -> None:
    _require_facilitator(seat, "resume the exercise")
    if b.state.status != "paused":
        raise conflict("not_paused", f"Only a paused exercise can be resumed; this one is {b.state.status}.")
    b.emit("exercise_resumed", seat, {})


@_handles("set_clock_speed")
def _speed(b: _Batch, cmd: c.SetClockSpeed, seat: str) -> None:
    _require_facilitator(seat, "change the clock speed")
    if b.state.status == "ended":
        raise conflict("exercise_ended", "The exercise has ended.")
    b.emit("clock_speed_set", seat, {"factor": cmd.factor})


@_handles("end_exercise")
def _end(b: _Batch, cmd: c.EndExercise, seat: str) -> None:
    _require_facilitator(seat, "end the exercise")
    if b.state.status not in ("running", "paused"):
        raise conflict("not_running", f"Only a running or paused exercise can be ended; this one is {b.state.status}.")
    b.emit("exercise_ended", seat, {})


# --- injects, observations, control ---------------------------------------------------------

def _deliver(b: _Batch, inject_id: str, actor: str, trigger: str, at: float | None = None) -> None:
    assert b.state.scenario is not None
    inj = b.state.scenario.inject(inject_id)
    assert inj is not None
    to = inj.to if inj.to == "all" else list(inj.to)
    audience = None if inj.to == "all" else tuple(inj.to)
    b.emit("inject_delivered", actor, {"inject_id": inj.id, "title": inj.title, "body": inj.body, "to": to, "trigger": trigger},
           audience=audience, at=at)


@_handles("deliver_inject")
def _deliver_inject(b: _Batch, cmd: c.DeliverInject, seat: str) -> None:
    _require_facilitator(seat, "deliver injects")
    _require_in_play(b.state, seat)
    assert b.state.scenario is not None
    if b.state.scenario.inject(cmd.inject_id) is None:
        raise invalid("unknown_inject", f"There is no inject {cmd.inject_id!r} in this scenario.")
    if cmd.inject_id in b.state.delivered:
        raise conflict("already_delivered", f"Inject {cmd.inject_id!r} has already been delivered.")
    _deliver(b, cmd.inject_id, seat, "manual")


@_handles("send_inject")
def _send_inject(b: _Batch, cmd: c.SendInject, seat: str) -> None:
    _require_facilitator(seat, "send injects")
    _require_in_play(b.state, seat)
    to = _resolve_seats(b.state, cmd.to, "to") if cmd.to != "all" else "all"
    audience = None if to == "all" else tuple(to)
    b.emit("inject_delivered", seat, {"inject_id": f"adhoc_{b.next_seq}", "title": cmd.title, "body": cmd.body,
                                      "to": to if to == "all" else list(to), "trigger": "adhoc"}, audience=audience)


@_handles("add_observation")
def _observation(b: _Batch, cmd: c.AddObservation, seat: str) -> None:
    _require_facilitator(seat, "add observations")
    b.emit("observation_added", seat, {"observation_id": f"obs_{b.next_seq}", "text": cmd.text}, audience=FACILITATOR_ONLY)


@_handles("score_expectation")
def _score(b: _Batch, cmd: c.ScoreExpectation, seat: str) -> None:
    _require_facilitator(seat, "score expectations")
    assert b.state.scenario is not None
    if not any(e.id == cmd.expectation_id for e in b.state.scenario.expectations):
        raise invalid("unknown_expectation", f"There is no expectation {cmd.expectation_id!r} in this scenario.")
    b.emit("expectation_scored", seat, {"expectation_id": cmd.expectation_id, "score": cmd.score, "note": cmd.note},
           audience=OBSERVER_ONLY)


@_handles("send_control_message")
def _control(b: _Batch, cmd: c.SendControlMessage, seat: str) -> None:
    if seat in (FACILITATOR, SYSTEM):
        raise forbidden("participants_only", "The facilitator answers messages with answer_control_message.")
    if b.state.status == "ended":
        raise conflict("exercise_ended", "The exercise has ended.")
    b.emit("control_message_sent", seat, {"message_id": f"msg_{b.next_seq}", "text": cmd.text}, audience=(seat,))


@_handles("answer_control_message")
def _answer(b: _Batch, cmd: c.AnswerControlMessage, seat: str) -> None:
    _require_facilitator(seat, "answer the control channel")
    assert b.state.scenario is not None
    if cmd.seat != OBSERVER and b.state.scenario.seat(cmd.seat) is None:
        raise invalid("unknown_seat", f"There is no seat {cmd.seat!r} in this exercise.")
    b.emit("control_message_answered", seat, {"message_id": f"msg_{b.next_seq}", "seat": cmd.seat, "text": cmd.text,
                                              "in_reply_to": cmd.in_reply_to}, audience=(cmd.seat,))


# --- threats and consultations ----------------------------------------------------------------

@_handles("report_threat")
def _threat(b: _Batch, cmd: c.ReportThreat, seat: str) -> None:
    _require_participant(b.state, seat)
    _require_in_play(b.state, seat)
    if _seat_kind(b.state, seat) != "state" and not _has_power(b.state, seat, "report_threat"):
        raise forbidden("states_only", f"{seat} is not a state and cannot report a threat.")
    b.emit("threat_reported", seat, {"threat_id": f"thr_{b.next_seq}", "kind": cmd.kind, "summary": cmd.summary, "source": cmd.source})


def _consultation(b: _Batch, consultation_id: str, seat: str):
    con = b.state.consultations.get(consultation_id)
    # a private consultation a seat is not in does not exist for that seat
    if con is None or (con.audience is not None and seat not in con.audience and seat != FACILITATOR):
        raise conflict("unknown_consultation", f"There is no consultation {consultation_id!r}.")
    return con


@_handles("request_consultation")
def _request_consultation(b: _Batch, cmd: c.RequestConsultation, seat: str) -> None:
    _require_participant(b.state, seat)
    _require_in_play(b.state, seat)
    st = b.state
    assert st.scenario is not None
    if not (_is_member(st, seat) or _has_power(st, seat, "request_consultation")):
        raise forbidden("members_only", f"{seat} is not a participating state and cannot call consultations; it can be invited to them.")
    if cmd.region is not None and st.scenario.region(cmd.region) is None:
        raise invalid("unknown_region", f"There is no region {cmd.region!r} in this scenario.")
    if cmd.invitees == "all":
        offices = tuple(s.id for s in st.scenario.seats if s.kind == "office")
        pool = st.members() + offices
        if cmd.region is not None:
            region = st.scenario.region(cmd.region)
            assert region is not None
            pool = tuple(s for s in pool if s in region.members or s in offices)
        invitees = pool
    else:
        invitees = _resolve_seats(st, cmd.invitees, "invitees")
        if cmd.region is not None:
            region = st.scenario.region(cmd.region)
            assert region is not None
            outside = [s for s in invitees if s not in region.members and st.scenario.seat(s).kind != "office"]  # type: ignore[union-attr]
            if outside:
                raise invalid("outside_region", f"{', '.join(outside)} not in the {region.name}; invite seats of the region.")
    members = tuple(dict.fromkeys((seat, *invitees)))
    if len(members) < 2:
        raise invalid("no_invitees", "A consultation needs at least one other seat.")
    audience = members if cmd.private else None
    b.emit("consultation_opened", seat, {"consultation_id": f"con_{b.next_seq}", "topic": cmd.topic, "convener": seat,
                                         "members": list(members), "private": cmd.private, "region": cmd.region}, audience=audience)


@_handles("invite_to_consultation")
def _invite(b: _Batch, cmd: c.InviteToConsultation, seat: str) -> None:
    _require_participant(b.state, seat)
    _require_in_play(b.state, seat)
    con = _consultation(b, cmd.consultation_id, seat)
    if con.convener != seat:
        raise forbidden("convener_only", f"Only {con.convener}, who called this consultation, can invite others to it.")
    if not con.open:
        raise conflict("consultation_closed", "This consultation is closed.")
    new = tuple(s for s in _resolve_seats(b.state, cmd.invitees, "invitees") if s not in con.members)
    if not new:
        raise conflict("already_invited", "Everyone named is already in this consultation.")
    members = con.members + new
    b.emit("consultation_invitees_added", seat, {"consultation_id": con.id, "invitees": list(new), "members": list(members),
                                                 "topic": con.topic, "convener": con.convener, "private": con.private,
                                                 "region": con.region, "opened_at": con.opened_at,
                                                 "statements": b.state.statement_counts.get(con.id, 0)},
           audience=members if con.private else None)


@_handles("post_statement")
def _statement(b: _Batch, cmd: c.PostStatement, seat: str) -> None:
    _require_participant(b.state, seat)
    _require_in_play(b.state, seat)
    con = _consultation(b, cmd.consultation_id, seat)
    if seat not in con.members:
        raise forbidden("not_invited", f"{seat} was not invited to this consultation and cannot speak in it.")
    if not con.open:
        raise conflict("consultation_closed", "This consultation is closed.")
    b.emit("statement_posted", seat, {"consultation_id": con.id, "statement_id": f"stm_{b.next_seq}", "text": cmd.text},
           audience=con.audience)


@_handles("close_consultation")
def _close_consultation(b: _Batch, cmd: c.CloseConsultation, seat: str) -> None:
    _require_participant(b.state, seat)
    _require_in_play(b.state, seat)
    con = _consultation(b, cmd.consultation_id, seat)
    if con.convener != seat:
        raise forbidden("convener_only", f"Only {con.convener}, who called this consultation, can close it.")
    if not con.open:
        raise conflict("consultation_closed", "This consultation is already closed.")
    b.emit("consultation_closed", seat, {"consultation_id": con.id, "outcome": cmd.outcome, "position": cmd.position},
           audience=con.audience)


# --- assistance ---------------------------------------------------------------------------

@_handles("request_assistance")
def _request_assistance(b: _Batch, cmd: c.RequestAssistance, seat: str) -> None:
    _require_participant(b.state, seat)
    _require_in_play(b.state, seat)
    st = b.state
    assert st.scenario is not None
    if not _is_member(st, seat):
        raise forbidden("members_only", f"{seat} is not a participating state and cannot invoke mutual assistance.")
    unknown = [k for k in cmd.kinds if k not in st.scenario.settings.assistance_kinds]
    if unknown:
        raise invalid("unknown_assistance_kind", f"Unknown kind(s) of assistance: {', '.join(unknown)}; "
                      f"this scenario knows {', '.join(st.scenario.settings.assistance_kinds)}.")
    expected = [m for m in st.members() if m != seat]
    b.emit("assistance_requested", seat, {"request_id": f"req_{b.next_seq}", "kinds": list(cmd.kinds), "summary": cmd.summary,
                                          "expected": expected})


def _request(b: _Batch, request_id: str):
    req = b.state.assistance.get(request_id)
    if req is None:
        raise conflict("unknown_request", f"There is no assistance request {request_id!r}.")
    return req


@_handles("respond_to_assistance")
def _respond(b: _Batch, cmd: c.RespondToAssistance, seat: str) -> None:
    _require_participant(b.state, seat)
    _require_in_play(b.state, seat)
    req = _request(b, cmd.request_id)
    if seat == req.requester:
        raise forbidden("own_request", "You cannot answer your own request for assistance.")
    if not _is_member(b.state, seat):
        raise forbidden("members_only", f"{seat} is not a participating state and is not bound to answer requests for assistance.")
    if req.status != "open":
        raise conflict("request_closed", f"This request has been marked {req.status}.")
    if seat in req.responses:
        raise conflict("already_responded", f"{seat} has already answered this request ({req.responses[seat].response}).")
    b.emit("assistance_responded", seat, {"request_id": req.id, "response": cmd.response, "details": cmd.details})


@_handles("close_assistance_request")
def _close_request(b: _Batch, cmd: c.CloseAssistanceRequest, seat: str) -> None:
    _require_participant(b.state, seat)
    _require_in_play(b.state, seat)
    req = _request(b, cmd.request_id)
    if seat != req.requester:
        raise forbidden("requester_only", f"Only {req.requester}, who asked for assistance, can close this request.")
    if req.status != "open":
        raise conflict("request_closed", f"This request has already been marked {req.status}.")
    b.emit("assistance_request_closed", seat, {"request_id": req.id, "status": cmd.status})


# --- sessions and decisions ---------------------------------------------------------------

def _body(b: _Batch, body_id: str):
    assert b.state.scenario is not None
    body = b.state.scenario.body(body_id)
    if body is None:
        known = ", ".join(x.id for x in b.state.scenario.bodies) or "none"
        raise invalid("unknown_body", f"There is no body {body_id!r} in this scenario (bodies: {known}).")
    return body


@_handles("convene_session")
def _convene(b: _Batch, cmd: c.ConveneSession, seat: str) -> None:
    _require_participant(b.state, seat)
    _require_in_play(b.state, seat)
    body = _body(b, cmd.body)
    if not _has_power(b.state, seat, "convene_session"):
        raise forbidden("cannot_convene", f"{seat} cannot convene sessions of the {body.id}.")
    ends_at = round(b.time + cmd.time_frame_minutes * 60.0, 3)
    b.emit("session_convened", seat, {"session_id": f"ses_{b.next_seq}", "body": body.id, "agenda": list(cmd.agenda),
                                      "time_frame_minutes": cmd.time_frame_minutes, "ends_at": ends_at})


def _eligible(st: State, body_id: str, rule: Mapping[str, Any], region: str | None) -> tuple[str, ...]:
    assert st.scenario is not None
    voters = []
    for s in st.body_members(body_id):
        status = st.statuses.get(s)
        if status == "member" or (status == "non_signatory" and rule.get("non_signatories_vote")):
            voters.append(s)
    if region is not None:
        reg = st.scenario.region(region)
        assert reg is not None
        voters = [v for v in voters if v in reg.members]
    return tuple(voters)


@_handles("propose_decision")
def _propose(b: _Batch, cmd: c.ProposeDecision, seat: str) -> None:
    _require_participant(b.state, seat)
    _require_in_play(b.state, seat)
    st = b.state
    assert st.scenario is not None
    body = _body(b, cmd.body)
    in_body = seat in st.body_members(body.id) and _is_member(st, seat)
    if not (in_body or _has_power(st, seat, "propose_decision")):
        raise forbidden("not_in_body", f"{seat} is not a member of the {body.id} and cannot propose its decisions.")
    if cmd.kind not in st.scenario.settings.decision_kinds:
        raise invalid("unknown_decision_kind", f"Unknown kind of decision {cmd.kind!r}; this scenario knows "
                      f"{', '.join(st.scenario.settings.decision_kinds)}.")
    if cmd.region is not None and st.scenario.region(cmd.region) is None:
        raise invalid("unknown_region", f"There is no region {cmd.region!r} in this scenario.")
    subject = None
    if cmd.kind == "accession":
        if cmd.subject is None:
            raise invalid("subject_required", "An accession decision names the seat asking to join (subject).")
        if not any(a.seat == cmd.subject and a.status == "pending" and a.decision_id is None for a in st.accessions.values()):
            raise conflict("no_pending_accession", f"{cmd.subject} has no pending request for accession awaiting a decision.")
        subject = cmd.subject
    session = None
    if cmd.session_id is not None:
        session = st.sessions.get(cmd.session_id)
        if session is None or not session.open or session.body != body.id:
            raise conflict("no_such_session", f"There is no open session {cmd.session_id!r} of the {body.id}.")
    binding = st.rule_for(body.id, cmd.kind)
    rule = binding.model_dump(mode="json", exclude={"body", "kind"})
    eligible = _eligible(st, body.id, rule, cmd.region)
    if not eligible:
        raise conflict("no_eligible_voters", f"No seat is eligible to vote on a {cmd.kind} decision of the {body.id}.")
    minutes = cmd.deadline_minutes or binding.deadline_minutes
    deadline = round(b.time + minutes * 60.0, 3) if minutes else None
    if session is not None and (deadline is None or deadline > session.ends_at):
        deadline = session.ends_at  # decisions are made within the session's time frame
    if binding.rule == "silence_procedure" and deadline is None:
        raise invalid("deadline_required", "A silence procedure needs a deadline.")
    b.emit("decision_proposed", seat, {
        "decision_id": f"dec_{b.next_seq}", "body": body.id, "kind": cmd.kind, "title": cmd.title, "text": cmd.text,
        "rule": rule, "eligible": list(eligible), "deadline": deadline, "session_id": cmd.session_id,
        "region": cmd.region, "subject": subject,
    })


def _decision(b: _Batch, decision_id: str) -> Decision:
    dec = b.state.decisions.get(decision_id)
    if dec is None:
        raise conflict("unknown_decision", f"There is no decision {decision_id!r}.")
    return dec


@_handles("cast_vote")
def _vote(b: _Batch, cmd: c.CastVote, seat: str) -> None:
    _require_participant(b.state, seat)
    _require_in_play(b.state, seat)
    dec = _decision(b, cmd.decision_id)
    if seat not in dec.eligible:
        if seat not in b.state.body_members(dec.body):
            raise forbidden("not_in_body", f"{seat} is not a member of the {dec.body} and cannot vote on this decision.")
        why = "it is not a participating state" if not _is_member(b.state, seat) else "it was not eligible when the decision was proposed"
        raise forbidden("not_eligible", f"{seat} cannot vote on this decision: {why}.")
    if dec.status != "open":
        raise conflict("decision_settled", f"This decision has already been settled ({dec.status}); votes can no longer change.")
    if dec.votes.get(seat) == cmd.vote:
        raise conflict("same_vote", f"{seat} has already voted {cmd.vote}.")
    b.emit("vote_cast", seat, {"decision_id": dec.id, "vote": cmd.vote, "changed_from": dec.votes.get(seat)})


@_handles("record_implementation")
def _implementation(b: _Batch, cmd: c.RecordImplementation, seat: str) -> None:
    _require_participant(b.state, seat)
    _require_in_play(b.state, seat)
    dec = _decision(b, cmd.decision_id)
    if dec.status != "adopted":
        raise conflict("not_adopted", f"Only adopted decisions are implemented; this one is {dec.status}.")
    if seat not in dec.eligible:
        raise forbidden("not_bound", f"{seat} is not bound by this decision of the {dec.body}.")
    prior = dec.implementations.get(seat)
    if prior is not None and prior.status == cmd.status and prior.note == cmd.note:
        raise conflict("already_recorded", f"{seat} has already recorded this decision as {cmd.status}.")
    b.emit("implementation_recorded", seat, {"decision_id": dec.id, "status": cmd.status, "note": cmd.note})


@_handles("notify_un_security_council")
def _notify(b: _Batch, cmd: c.NotifyUnSecurityCouncil, seat: str) -> None:
    _require_participant(b.state, seat)
    _require_in_play(b.state, seat)
    if not (_is_member(b.state, seat) or _has_power(b.state, seat, "notify_un_security_council")):
        raise forbidden("cannot_notify", f"{seat} cannot notify the UN Security Council on behalf of the alliance.")
    if cmd.decision_id is not None:
        _decision(b, cmd.decision_id)
    b.emit("un_security_council_notified", seat, {"notification_id": f"unn_{b.next_seq}", "summary": cmd.summary,
                                                  "decision_id": cmd.decision_id})


@_handles("request_accession")
def _accession(b: _Batch, cmd: c.RequestAccession, seat: str) -> None:
    _require_participant(b.state, seat)
    _require_in_play(b.state, seat)
    status = b.state.statuses.get(seat)
    if status != "non_signatory":
        raise forbidden("not_non_signatory", f"{seat} is already a participating state." if status == "member"
                        else f"{seat} is not a state and cannot accede.")
    if any(a.seat == seat and a.status == "pending" for a in b.state.accessions.values()):
        raise conflict("accession_pending", f"{seat} already has a request for accession pending.")
    b.emit("accession_requested", seat, {"accession_id": f"acc_{b.next_seq}", "seat": seat})


# --- fork (system) -------------------------------------------------------------------------

@_handles("fork")
def _fork(b: _Batch, cmd: c.Fork, seat: str) -> None:
    _require_facilitator(seat, "fork the exercise")

    rules = [RuleBinding.model_validate(r) for r in cmd.rules] if cmd.rules else None
    reruled: dict[str, Any] = {}
    if rules is not None:
        probe = replace(b.state, rules=tuple(rules))
        for dec in b.state.decisions.values():
            if dec.status == "open":
                rule = probe.rule_for(dec.body, dec.kind).model_dump(mode="json", exclude={"body", "kind"})
                if rule.get("deadline_minutes") is None and dec.rule.get("deadline_minutes") is not None:
                    rule["deadline_minutes"] = dec.rule["deadline_minutes"]
                reruled[dec.id] = rule
    b.emit("exercise_forked", seat, {"from_exercise_id": cmd.from_exercise_id, "at": cmd.at,
                                     "rules": [r.model_dump(mode="json") for r in rules] if rules else None,
                                     "reruled": reruled})


# --- time: the scheduler's tick -------------------------------------------------------------

def due_items(state: State) -> list[tuple[float, str, str]]:
    """Everything waiting on the exercise clock: (exercise time, what, id), earliest first."""
    if state.scenario is None or state.status in ("new", "created", "ended"):
        return []
    # (time, order, what, id): injects due together go in file order, then deadlines, then session ends
    items: list[tuple[float, int, str, str]] = []
    for index, inj in enumerate(state.scenario.injects):
        if inj.at is not None and inj.id not in state.delivered:
            items.append((parse_offset(inj.at), index, "inject", inj.id))
        elif inj.id in state.watches:
            w = state.watches[inj.id]
            if not w.satisfied and inj.id not in state.delivered:
                items.append((w.due, index, "unless", inj.id))
    later = len(state.scenario.injects)
    for dec in state.decisions.values():
        if dec.status == "open" and dec.deadline is not None:
            items.append((dec.deadline, later, "deadline", dec.id))
    for ses in state.sessions.values():
        if ses.open:
            items.append((ses.ends_at, later + 1, "session_end", ses.id))
    items.sort()
    return [(t, what, ident) for t, _, what, ident in items]


def next_due(state: State) -> float | None:
    """The exercise time of the next thing the scheduler must do, or None."""
    items = due_items(state)
    return items[0][0] if items else None


def next_due_wall(state: State) -> float | None:
    """The same as a wall-clock time: None while the clock is stopped."""
    due = next_due(state)
    return None if due is None else state.clock.wall_at(due)


@_handles("tick")
def _tick(b: _Batch, cmd: c.Tick, seat: str) -> None:
    if seat != SYSTEM:
        raise forbidden("system_only", "Only the scheduler advances the clock.")
    if b.state.status != "running":
        return
    for _ in range(MAX_REACTIONS):
        items = [i for i in due_items(b.state) if i[0] <= b.time]
        if not items:
            return
        at, what, ident = items[0]
        if what == "inject" or what == "unless":
            _deliver(b, ident, SYSTEM, "scheduled" if what == "inject" else "unless", at=at)
        elif what == "deadline":
            _settle(b, b.state.decisions[ident], deadline_passed=True, at=at)
        elif what == "session_end":
            b.emit("session_closed", SYSTEM, {"session_id": ident}, at=at)
        _react(b)


# --- what follows from events -----------------------------------------------------------------

def _settle(b: _Batch, dec: Decision, *, deadline_passed: bool, at: float | None = None) -> bool:
    result = settle(dec.rule, dec.votes, len(dec.eligible), deadline_passed=deadline_passed)
    if result is None:
        return False
    outcome, reason = result
    b.emit(f"decision_{outcome}", SYSTEM, {
        "decision_id": dec.id, "body": dec.body, "kind": dec.kind, "title": dec.title, "rule": dict(dec.rule),
        "tally": tally(dec.votes, len(dec.eligible)).as_dict(), "votes": dict(dec.votes), "reason": reason,
        "subject": dec.subject, "eligible": list(dec.eligible),
    }, at=at)
    return True


def _react(b: _Batch) -> None:
    """Add the system's consequences of each new event, until nothing more follows."""
    assert b.state.scenario is not None
    when_injects = [i for i in b.state.scenario.injects if i.when is not None]
    while b.reacted < len(b.events):
        if b.reacted > MAX_REACTIONS:
            raise RuntimeError("runaway reactions: a scenario trigger loops")
        ev = b.events[b.reacted]
        b.reacted += 1
        if ev.type == "vote_cast":
            dec = b.state.decisions[ev.data["decision_id"]]
            if dec.status == "open":
                _settle(b, dec, deadline_passed=False)
        elif ev.type == "decision_adopted" and ev.data.get("kind") == "accession" and ev.data.get("subject"):
            b.emit("seat_admitted", SYSTEM, {"seat": ev.data["subject"], "decision_id": ev.data["decision_id"]})
        for inj in when_injects:
            if inj.id in b.state.delivered:
                continue
            assert inj.when is not None
            if EventSpec(inj.when.event, inj.when.fields()).matches(ev):
                _deliver(b, inj.id, SYSTEM, "when")
