"""The working parts every move shares: the batch of events a command records, the handler
registry, who is who, and the two outcomes several moves lead to (an inject delivered, a decision
settled)."""

from __future__ import annotations

from typing import Any, Callable

from .errors import conflict, forbidden, invalid
from .events import FACILITATOR, OBSERVER, SYSTEM, Event, new_event
from .rules import settle, tally
from .state import Decision, State, evolve

MAX_REACTIONS = 1000  # follow-on events one command may cause; more means a scenario's triggers loop

class Batch:
    """The events one command records, folded as they are made so later checks see earlier ones."""

    def __init__(self, state: State, now: float, at: float | None = None) -> None:
        self.state = state
        self.now = now
        clock_time = state.clock.time_at(now) if at is None else at
        self.time = round(max(state.last_time, clock_time), 3)
        self.events: list[Event] = []
        self.reacted = 0  # how many of `events` react has looked at

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


Handler = Callable[[Batch, Any, str], None]
HANDLERS: dict[str, Handler] = {}


def handles(type: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        HANDLERS[type] = fn
        return fn

    return register


# --- who is who ------------------------------------------------------------------------------

def seat_kind(state: State, seat: str) -> str:
    if seat in (FACILITATOR, OBSERVER, SYSTEM):
        return seat
    assert state.scenario is not None
    s = state.scenario.seat(seat)
    if s is None:
        return "unknown"
    return s.kind


def is_member(state: State, seat: str) -> bool:
    return state.statuses.get(seat) == "member"


def has_power(state: State, seat: str, power: str) -> bool:
    assert state.scenario is not None
    s = state.scenario.seat(seat)
    return s is not None and s.kind == "office" and power in s.powers


def require_facilitator(seat: str, what: str) -> None:
    if seat not in (FACILITATOR, SYSTEM):
        raise forbidden("facilitator_only", f"Only the facilitator can {what}.")


def require_in_play(state: State, seat: str) -> None:
    """Participants act only while the exercise runs (or while paused, if the scenario allows)."""
    if state.status in ("new", "created"):
        raise conflict("not_started", "The exercise has not started yet.")
    if state.status == "ended":
        raise conflict("exercise_ended", "The exercise has ended; no more moves can be made.")
    assert state.scenario is not None
    if state.status == "paused" and seat not in (FACILITATOR, SYSTEM) and not state.scenario.settings.allow_actions_while_paused:
        raise conflict("exercise_paused", "The exercise is paused; wait for the facilitator to resume it.")


def require_participant(state: State, seat: str) -> None:
    if seat == OBSERVER:
        raise forbidden("observer_read_only", "Observers watch; they cannot act in the exercise.")
    if seat in (FACILITATOR, SYSTEM):
        raise forbidden("participants_only", "This is a move for a participating seat, not the facilitator.")


def resolve_seats(state: State, seats: list[str] | str, field: str, *, allow_all: bool = True) -> tuple[str, ...]:
    assert state.scenario is not None
    if seats == "all":
        if not allow_all:
            raise invalid("invalid_seats", f"{field}: list the seats")
        return tuple(s.id for s in state.scenario.seats)
    unknown = [s for s in seats if state.scenario.seat(s) is None]
    if unknown:
        raise invalid("unknown_seat", f"{field}: unknown seat(s) {', '.join(unknown)}.")
    return tuple(dict.fromkeys(seats))


def deliver(b: Batch, inject_id: str, actor: str, trigger: str, at: float | None = None) -> None:
    assert b.state.scenario is not None
    inj = b.state.scenario.inject(inject_id)
    assert inj is not None
    to = inj.to if inj.to == "all" else list(inj.to)
    audience = None if inj.to == "all" else tuple(inj.to)
    b.emit("inject_delivered", actor, {"inject_id": inj.id, "title": inj.title, "body": inj.body, "to": to, "trigger": trigger},
           audience=audience, at=at)


def settle_decision(b: Batch, dec: Decision, *, deadline_passed: bool, at: float | None = None) -> bool:
    votes = b.state.votes(dec.id)
    result = settle(dec.rule, votes, len(dec.eligible), deadline_passed=deadline_passed)
    if result is None:
        return False
    outcome, reason = result
    b.emit(f"decision_{outcome}", SYSTEM, {
        "decision_id": dec.id, "body": dec.body, "kind": dec.kind, "title": dec.title, "rule": dict(dec.rule),
        "tally": tally(votes, len(dec.eligible)).as_dict(), "votes": dict(votes), "reason": reason,
        "subject": dec.subject, "eligible": list(dec.eligible),
    }, at=at)
    return True
