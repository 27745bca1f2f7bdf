"""The exercise state and `evolve(state, event) -> state`.

State objects are frozen. `evolve` never changes the state it is given: it copies the top-level
record and replaces the entities an event touches (copy-on-write), so old states stay valid, which
is what replay, snapshots and the per-seat views rely on. `fold` is `evolve` over many events.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Callable, Iterable, Mapping

from .clock import Clock
from .events import Event, EventSpec
from .scenario import RuleBinding, Scenario, parse_offset


@dataclass(frozen=True, slots=True)
class Consultation:
    id: str
    convener: str
    topic: str
    members: tuple[str, ...]
    private: bool
    region: str | None
    opened_at: float
    audience: tuple[str, ...] | None
    open: bool = True
    statements: int = 0
    outcome: str | None = None
    position: str | None = None
    closed_at: float | None = None


@dataclass(frozen=True, slots=True)
class Response:
    response: str
    details: str | None
    at: float


@dataclass(frozen=True, slots=True)
class AssistanceRequest:
    id: str
    requester: str
    kinds: tuple[str, ...]
    summary: str
    requested_at: float
    expected: tuple[str, ...]  # the members asked to answer
    responses: Mapping[str, Response] = field(default_factory=dict)
    status: str = "open"  # open | fulfilled | withdrawn
    closed_at: float | None = None


@dataclass(frozen=True, slots=True)
class Implementation:
    status: str
    note: str | None
    at: float


@dataclass(frozen=True, slots=True)
class Decision:
    id: str
    body: str
    kind: str
    title: str
    text: str
    proposer: str
    rule: Mapping[str, Any]
    eligible: tuple[str, ...]
    proposed_at: float
    deadline: float | None
    session_id: str | None = None
    region: str | None = None
    subject: str | None = None
    votes: Mapping[str, str] = field(default_factory=dict)
    status: str = "open"  # open | adopted | rejected | lapsed
    settled_at: float | None = None
    tally: Mapping[str, int] | None = None
    reason: str | None = None
    implementations: Mapping[str, Implementation] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Session:
    id: str
    body: str
    agenda: tuple[str, ...]
    time_frame_minutes: int
    convened_at: float
    ends_at: float
    open: bool = True


@dataclass(frozen=True, slots=True)
class Accession:
    id: str
    seat: str
    requested_at: float
    status: str = "pending"  # pending | admitted | refused
    decision_id: str | None = None


@dataclass(frozen=True, slots=True)
class DeliveredInject:
    id: str
    title: str
    at: float
    audience: tuple[str, ...] | None
    trigger: str


@dataclass(frozen=True, slots=True)
class Watch:
    """An `unless` trigger whose anchor has happened: it fires at `anchor_time + within` unless
    its event is seen first."""

    inject_id: str
    anchor_time: float
    due: float
    satisfied: bool = False


@dataclass(frozen=True, slots=True)
class Record:
    """A small public fact kept for the state view: threats and UN notifications."""

    id: str
    actor: str
    at: float
    fields: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class State:
    scenario: Scenario | None = None
    scenario_hash: str = ""
    version: int = 0  # seq of the last event folded in
    last_time: float = 0.0  # exercise_time of the last event
    status: str = "new"  # new | created | running | paused | ended
    clock: Clock = Clock()
    rules: tuple[RuleBinding, ...] = ()
    statuses: Mapping[str, str] = field(default_factory=dict)  # seat -> member | non_signatory
    forked_from: Mapping[str, Any] | None = None
    threats: Mapping[str, Record] = field(default_factory=dict)
    consultations: Mapping[str, Consultation] = field(default_factory=dict)
    assistance: Mapping[str, AssistanceRequest] = field(default_factory=dict)
    decisions: Mapping[str, Decision] = field(default_factory=dict)
    sessions: Mapping[str, Session] = field(default_factory=dict)
    accessions: Mapping[str, Accession] = field(default_factory=dict)
    notifications: Mapping[str, Record] = field(default_factory=dict)
    delivered: Mapping[str, DeliveredInject] = field(default_factory=dict)
    watches: Mapping[str, Watch] = field(default_factory=dict)
    scores: Mapping[str, Record] = field(default_factory=dict)
    observations: int = 0
    control_messages: int = 0

    # -- derived lookups used by decide and the views --------------------------------------

    def members(self) -> tuple[str, ...]:
        """Participating states, in scenario order (admitted seats included)."""
        assert self.scenario is not None
        return tuple(s.id for s in self.scenario.seats if self.statuses.get(s.id) == "member")

    def body_members(self, body_id: str) -> tuple[str, ...]:
        assert self.scenario is not None
        body = self.scenario.body(body_id)
        if body is None:
            return ()
        if body.members == "all_members":
            return self.members()
        return tuple(body.members)

    def rule_for(self, body: str, kind: str) -> RuleBinding:
        best: RuleBinding | None = None
        best_rank = -1
        for binding in self.rules:
            if binding.body not in ("*", body) or binding.kind not in ("*", kind):
                continue
            rank = (2 if binding.body == body else 0) + (1 if binding.kind == kind else 0)
            if rank > best_rank:
                best, best_rank = binding, rank
        assert best is not None, "a scenario always has a default rule"
        return best


def _put(mapping: Mapping[str, Any], key: str, value: Any) -> dict[str, Any]:
    new = dict(mapping)
    new[key] = value
    return new


Handler = Callable[[State, Event], State]
_HANDLERS: dict[str, Handler] = {}


def handles(*types: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        for t in types:
            _HANDLERS[t] = fn
        return fn

    return register


def evolve(state: State, event: Event) -> State:
    """The state after `event`. Pure: `state` is not changed."""
    handler = _HANDLERS.get(event.type)
    if handler is not None:
        state = handler(state, event)
    if state.scenario is not None and state.scenario.has_unless_triggers:
        state = _start_event_anchored_watches(state, event)
        state = _observe_watches(state, event)
    return replace(state, version=event.seq, last_time=max(state.last_time, event.exercise_time))


def fold(events: Iterable[Event], state: State | None = None) -> State:
    state = state if state is not None else State()
    for event in events:
        state = evolve(state, event)
    return state


def handled_types() -> frozenset[str]:
    return frozenset(_HANDLERS)


# --- lifecycle -------------------------------------------------------------------------------

@handles("exercise_created")
def _created(state: State, e: Event) -> State:
    scenario = Scenario.model_validate(e.data["scenario"])
    return replace(
        state,
        scenario=scenario,
        scenario_hash=e.data.get("scenario_hash", ""),
        status="created",
        rules=tuple(scenario.rules),
        statuses={s.id: s.status for s in scenario.seats if s.kind == "state" and s.status},
        clock=Clock(False, scenario.speed, 0.0, e.recorded_at),
    )


@handles("exercise_forked")
def _forked(state: State, e: Event) -> State:
    rules = e.data.get("rules")
    new_rules = tuple(RuleBinding.model_validate(r) for r in rules) if rules else state.rules
    decisions = dict(state.decisions)
    for decision_id, rule in (e.data.get("reruled") or {}).items():
        decisions[decision_id] = replace(decisions[decision_id], rule=dict(rule))
    return replace(
        state,
        rules=new_rules,
        decisions=decisions,
        forked_from={"exercise_id": e.data["from_exercise_id"], "at": e.data["at"]},
    )


@handles("exercise_started")
def _started(state: State, e: Event) -> State:
    return replace(state, status="running", clock=state.clock.started(e.recorded_at, state.clock.speed))


@handles("exercise_paused")
def _paused(state: State, e: Event) -> State:
    return replace(state, status="paused", clock=state.clock.paused(e.exercise_time, e.recorded_at))


@handles("exercise_resumed")
def _resumed(state: State, e: Event) -> State:
    return replace(state, status="running", clock=state.clock.resumed(e.exercise_time, e.recorded_at))


@handles("clock_speed_set")
def _speed(state: State, e: Event) -> State:
    return replace(state, clock=state.clock.with_speed(float(e.data["factor"]), e.exercise_time, e.recorded_at))


@handles("exercise_ended")
def _ended(state: State, e: Event) -> State:
    return replace(state, status="ended", clock=state.clock.paused(e.exercise_time, e.recorded_at))


# --- injects, observations, control channel ------------------------------------------------

@handles("inject_delivered")
def _inject(state: State, e: Event) -> State:
    d = e.data
    delivered = _put(state.delivered, d["inject_id"], DeliveredInject(
        d["inject_id"], d["title"], e.exercise_time, e.audience, d.get("trigger", "manual")))
    state = replace(state, delivered=delivered)
    # an `unless` trigger anchored on this inject starts watching now
    assert state.scenario is not None
    for inj in state.scenario.injects:
        u = inj.unless
        if u is None or inj.id in state.watches or inj.id in state.delivered:
            continue
        if isinstance(u.after, str) and u.after == d["inject_id"]:
            state = _start_watch(state, inj.id, e.exercise_time)
    return state


def _start_watch(state: State, inject_id: str, anchor: float) -> State:
    assert state.scenario is not None
    inj = state.scenario.inject(inject_id)
    assert inj is not None and inj.unless is not None
    from .scenario import parse_offset

    watch = Watch(inject_id, anchor, anchor + parse_offset(inj.unless.within))
    return replace(state, watches=_put(state.watches, inject_id, watch))


def _observe_watches(state: State, e: Event) -> State:
    """Mark `unless` triggers satisfied by this event, and start those anchored on an event pattern."""
    assert state.scenario is not None
    watches = state.watches
    changed = False
    for inject_id, w in state.watches.items():
        if w.satisfied or inject_id in state.delivered:
            continue
        inj = state.scenario.inject(inject_id)
        assert inj is not None and inj.unless is not None
        spec = EventSpec(inj.unless.event, inj.unless.match)
        if spec.matches(e) and e.exercise_time <= w.due:
            watches = _put(watches, inject_id, replace(w, satisfied=True))
            changed = True
    return replace(state, watches=watches) if changed else state


def _start_event_anchored_watches(state: State, e: Event) -> State:
    """`unless` triggers anchored on an event pattern (not an inject) start when it first occurs."""
    assert state.scenario is not None
    for inj in state.scenario.injects:
        u = inj.unless
        if u is None or isinstance(u.after, str) or inj.id in state.watches or inj.id in state.delivered:
            continue
        if EventSpec(u.after.event, u.after.fields()).matches(e):
            state = _start_watch(state, inj.id, e.exercise_time)
    return state


@handles("observation_added")
def _observation(state: State, e: Event) -> State:
    return replace(state, observations=state.observations + 1)


@handles("control_message_sent", "control_message_answered")
def _control(state: State, e: Event) -> State:
    return replace(state, control_messages=state.control_messages + 1)


@handles("expectation_scored")
def _scored(state: State, e: Event) -> State:
    d = e.data
    return replace(state, scores=_put(state.scores, d["expectation_id"], Record(
        d["expectation_id"], e.actor, e.exercise_time, {"score": d["score"], "note": d.get("note")})))


# --- threats, consultations ----------------------------------------------------------------

@handles("threat_reported")
def _threat(state: State, e: Event) -> State:
    d = e.data
    rec = Record(d["threat_id"], e.actor, e.exercise_time, {"kind": d["kind"], "summary": d["summary"], "source": d.get("source")})
    return replace(state, threats=_put(state.threats, d["threat_id"], rec))


@handles("consultation_opened")
def _consultation_opened(state: State, e: Event) -> State:
    d = e.data
    c = Consultation(d["consultation_id"], e.actor, d["topic"], tuple(d["members"]), bool(d["private"]),
                     d.get("region"), e.exercise_time, e.audience)
    return replace(state, consultations=_put(state.consultations, c.id, c))


@handles("consultation_invitees_added")
def _invited(state: State, e: Event) -> State:
    c = state.consultations[e.data["consultation_id"]]
    c = replace(c, members=tuple(e.data["members"]), audience=e.audience)
    return replace(state, consultations=_put(state.consultations, c.id, c))


@handles("statement_posted")
def _statement(state: State, e: Event) -> State:
    c = state.consultations[e.data["consultation_id"]]
    return replace(state, consultations=_put(state.consultations, c.id, replace(c, statements=c.statements + 1)))


@handles("consultation_closed")
def _consultation_closed(state: State, e: Event) -> State:
    c = state.consultations[e.data["consultation_id"]]
    c = replace(c, open=False, outcome=e.data["outcome"], position=e.data.get("position"), closed_at=e.exercise_time)
    return replace(state, consultations=_put(state.consultations, c.id, c))


# --- assistance ----------------------------------------------------------------------------

@handles("assistance_requested")
def _assistance_requested(state: State, e: Event) -> State:
    d = e.data
    r = AssistanceRequest(d["request_id"], e.actor, tuple(d["kinds"]), d["summary"], e.exercise_time, tuple(d["expected"]))
    return replace(state, assistance=_put(state.assistance, r.id, r))


@handles("assistance_responded")
def _assistance_responded(state: State, e: Event) -> State:
    r = state.assistance[e.data["request_id"]]
    resp = Response(e.data["response"], e.data.get("details"), e.exercise_time)
    r = replace(r, responses=_put(r.responses, e.actor, resp))
    return replace(state, assistance=_put(state.assistance, r.id, r))


@handles("assistance_request_closed")
def _assistance_closed(state: State, e: Event) -> State:
    r = replace(state.assistance[e.data["request_id"]], status=e.data["status"], closed_at=e.exercise_time)
    return replace(state, assistance=_put(state.assistance, r.id, r))


# --- sessions and decisions ------------------------------------------------------------------

@handles("session_convened")
def _session(state: State, e: Event) -> State:
    d = e.data
    s = Session(d["session_id"], d["body"], tuple(d["agenda"]), int(d["time_frame_minutes"]), e.exercise_time, float(d["ends_at"]))
    return replace(state, sessions=_put(state.sessions, s.id, s))


@handles("session_closed")
def _session_closed(state: State, e: Event) -> State:
    s = replace(state.sessions[e.data["session_id"]], open=False)
    return replace(state, sessions=_put(state.sessions, s.id, s))


@handles("decision_proposed")
def _proposed(state: State, e: Event) -> State:
    d = e.data
    dec = Decision(
        id=d["decision_id"], body=d["body"], kind=d["kind"], title=d["title"], text=d["text"], proposer=e.actor,
        rule=dict(d["rule"]), eligible=tuple(d["eligible"]), proposed_at=e.exercise_time, deadline=d.get("deadline"),
        session_id=d.get("session_id"), region=d.get("region"), subject=d.get("subject"),
    )
    state = replace(state, decisions=_put(state.decisions, dec.id, dec))
    if dec.kind == "accession" and dec.subject:
        acc = next((a for a in state.accessions.values() if a.seat == dec.subject and a.status == "pending"), None)
        if acc is not None:
            state = replace(state, accessions=_put(state.accessions, acc.id, replace(acc, decision_id=dec.id)))
    return state


@handles("vote_cast")
def _vote(state: State, e: Event) -> State:
    dec = state.decisions[e.data["decision_id"]]
    dec = replace(dec, votes=_put(dec.votes, e.actor, e.data["vote"]))
    return replace(state, decisions=_put(state.decisions, dec.id, dec))


@handles("decision_adopted", "decision_rejected", "decision_lapsed")
def _settled(state: State, e: Event) -> State:
    dec = state.decisions[e.data["decision_id"]]
    status = e.type.removeprefix("decision_")
    dec = replace(dec, status=status, settled_at=e.exercise_time, tally=dict(e.data["tally"]), reason=e.data.get("reason"))
    state = replace(state, decisions=_put(state.decisions, dec.id, dec))
    if dec.kind == "accession" and status != "adopted":
        acc = next((a for a in state.accessions.values() if a.decision_id == dec.id), None)
        if acc is not None:
            state = replace(state, accessions=_put(state.accessions, acc.id, replace(acc, status="refused")))
    return state


@handles("implementation_recorded")
def _implementation(state: State, e: Event) -> State:
    dec = state.decisions[e.data["decision_id"]]
    impl = Implementation(e.data["status"], e.data.get("note"), e.exercise_time)
    dec = replace(dec, implementations=_put(dec.implementations, e.actor, impl))
    return replace(state, decisions=_put(state.decisions, dec.id, dec))


@handles("un_security_council_notified")
def _un(state: State, e: Event) -> State:
    d = e.data
    rec = Record(d["notification_id"], e.actor, e.exercise_time, {"summary": d["summary"], "decision_id": d.get("decision_id")})
    return replace(state, notifications=_put(state.notifications, rec.id, rec))


@handles("accession_requested")
def _accession_requested(state: State, e: Event) -> State:
    a = Accession(e.data["accession_id"], e.actor, e.exercise_time)
    return replace(state, accessions=_put(state.accessions, a.id, a))


@handles("seat_admitted")
def _admitted(state: State, e: Event) -> State:
    seat = e.data["seat"]
    accessions = dict(state.accessions)
    for a in state.accessions.values():
        if a.seat == seat and a.status == "pending":
            accessions[a.id] = replace(a, status="admitted")
    return replace(state, statuses=_put(state.statuses, seat, "member"), accessions=accessions)
