"""The exercise state and `evolve(state, event) -> state`.

State objects are frozen. `evolve` never changes the state it is given: it copies the top-level
record and replaces the entities an event touches (copy-on-write), so old states stay valid, which
is what replay, snapshots and the per-seat views rely on. `fold` is `evolve` over many events.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, Callable, Iterable, Mapping

from .clock import Clock
from .events import Event
from .scenario import RuleBinding, Scenario


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
    statement_counts: Mapping[str, int] = field(default_factory=dict)  # the hottest counter, kept flat
    assistance: Mapping[str, AssistanceRequest] = field(default_factory=dict)
    decisions: Mapping[str, Decision] = field(default_factory=dict)
    ballots: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # decision -> seat -> vote, kept flat
    sessions: Mapping[str, Session] = field(default_factory=dict)
    accessions: Mapping[str, Accession] = field(default_factory=dict)
    notifications: Mapping[str, Record] = field(default_factory=dict)
    delivered: Mapping[str, DeliveredInject] = field(default_factory=dict)
    watches: Mapping[str, Watch] = field(default_factory=dict)
    scores: Mapping[str, Record] = field(default_factory=dict)
    observations: int = 0
    control_messages: int = 0

    # -- derived lookups used by decide and the views --------------------------------------

    def votes(self, decision_id: str) -> Mapping[str, str]:
        """The votes standing on a decision, by seat (a vote changed replaces the earlier one)."""
        return self.ballots.get(decision_id, {})

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


class Draft:
    """The state being folded: a mutable working copy that shares everything with the state it
    started from until a field is written. Tables (the mapping fields) are copied on first write
    (`own`), entities are frozen and replaced, never changed. `freeze()` makes the new State.

    This keeps `evolve` pure while folding a long log costs O(1) per event."""

    __slots__ = (*(f.name for f in fields(State)), "_owned")

    def __init__(self, state: State) -> None:
        for name in _FIELD_NAMES:
            object.__setattr__(self, name, getattr(state, name))
        self._owned: set[str] = set()

    def own(self, table: str) -> dict[str, Any]:
        """A writable copy of a mapping field, made once per fold."""
        if table not in self._owned:
            setattr(self, table, dict(getattr(self, table)))
            self._owned.add(table)
        return getattr(self, table)

    def freeze(self) -> State:
        return State(**{name: getattr(self, name) for name in _FIELD_NAMES})


_FIELD_NAMES = tuple(f.name for f in fields(State))

Handler = Callable[[Draft, Event], None]
_HANDLERS: dict[str, Handler] = {}


def handles(*types: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        for t in types:
            _HANDLERS[t] = fn
        return fn

    return register


def _apply(d: Draft, event: Event) -> None:
    handler = _HANDLERS.get(event.type)
    if handler is not None:
        handler(d, event)
    sc = d.scenario
    if sc is not None and event.type in sc.unless_event_types:
        evolvers.follow_unless_triggers(d, event)
    d.version = event.seq
    if event.exercise_time > d.last_time:
        d.last_time = event.exercise_time


def evolve(state: State, event: Event) -> State:
    """The state after `event`. Pure: `state` is not changed."""
    d = Draft(state)
    _apply(d, event)
    return d.freeze()


def fold(events: Iterable[Event], state: State | None = None) -> State:
    """The state after all `events`, from `state` (default: nothing). Pure."""
    d = Draft(state if state is not None else State())
    for event in events:
        _apply(d, event)
    return d.freeze()


def handled_types() -> frozenset[str]:
    return frozenset(_HANDLERS)


# The handlers, one per event type, live in `evolvers.py`; importing it registers them.
from . import evolvers  # noqa: E402,F401
