"""The working parts every move shares: the batch of events a command records and who is who."""

from __future__ import annotations

import hashlib
from typing import Any

from .errors import Said, conflict, forbidden, invalid
from .events import FACILITATOR, OBSERVER, SYSTEM, Event, new_event
from .fold import evolve
from .institutions import event_alias_of, recorded_as
from .registry import REGISTRY, Due
from .state import State

PLAYED_BY = "played_by"  # the data field (lifted into the envelope) of a move the white cell made for a seat
MAX_REACTIONS = 1000  # follow-on events one command may cause; more means a scenario's triggers loop

class Batch:
    """The events one command records, folded as they are made so later checks see earlier ones."""

    def __init__(self, state: State, now: float, at: float | None = None, salt: bytes = b"") -> None:
        self.state = state
        self.now = now
        self.salt = salt
        clock_time = state.clock.time_at(now) if at is None else at
        self.time = round(max(state.last_time, clock_time), 3)
        self.events: list[Event] = []
        self.reacted = 0  # how many of `events` react has looked at
        self.link: tuple[str, str] | None = None  # (seat, inject id) the command's own event answers
        self.played_for: str | None = None  # the seat whose move the white cell (the facilitator) makes

    @property
    def next_seq(self) -> int:
        return self.state.version + 1

    def new_id(self, prefix: str) -> str:
        """The id of an entity the next event creates: `dec_` and 12 hex digits keyed on the
        command's salt and the seq. The service draws a random salt for each command, so an id
        tells nobody when the entity was made or how many events came before it; the id is recorded
        in the event, so a replay reads it back rather than making it again."""
        digest = hashlib.blake2b(self.next_seq.to_bytes(8, "big"), key=self.salt[:64], digest_size=6).hexdigest()
        return f"{prefix}_{digest}"

    def emit(self, type: str, actor: str, data: dict[str, Any], *, audience: tuple[str, ...] | None = None,
             at: float | None = None) -> Event:
        time = self.time if at is None else round(max(at, self.state.last_time), 3)
        if self.link is not None and actor == self.link[0]:
            data = {**data, "in_response_to": self.link[1]}
            self.link = None  # the command's own event carries it; what follows from it does not
        if self.played_for is not None and actor == self.played_for:
            data = {**data, PLAYED_BY: FACILITATOR}  # the seat's move, made by the white cell
        sc = self.state.scenario
        name = recorded_as(sc, type, data) if sc is not None else type
        event = new_event(name, actor, data, seq=self.next_seq, exercise_time=time, recorded_at=self.now, audience=audience,
                          version=REGISTRY.events[type].version)
        self.events.append(event)
        self.state = evolve(self.state, event)
        return event


# --- who may act at all ------------------------------------------------------------------------

def require_facilitator(seat: str, what: str) -> None:
    if seat not in (FACILITATOR, SYSTEM):
        raise forbidden("facilitator_only", "Only the facilitator can {what}.", what=Said(what, lambda w: w.catalog(what)))


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
            raise invalid("invalid_seats", "{field}: list the seats", field=field)
        return tuple(s.id for s in state.scenario.seats)
    unknown = [s for s in seats if state.scenario.seat(s) is None]
    if unknown:
        raise invalid("unknown_seat", "{field}: unknown seat(s) {seats}.", field=field, seats=", ".join(unknown))
    return tuple(dict.fromkeys(seats))


# --- what follows from events, and what time brings ------------------------------------------------

def react(b: Batch) -> None:
    """Add the system's consequences of each new event (the reactions slices registered for its
    type, and for every type), until nothing more follows."""
    everything = REGISTRY.reactions.get("*", ())
    while b.reacted < len(b.events):
        if b.reacted > MAX_REACTIONS:
            raise RuntimeError("runaway reactions: a scenario trigger loops")
        ev = b.events[b.reacted]
        b.reacted += 1
        for fn in REGISTRY.reactions.get(_generic_type(b.state, ev.type), ()):
            fn(b, ev)
        for fn in everything:
            fn(b, ev)


def _generic_type(state: State, type: str) -> str:
    if type in REGISTRY.events or state.scenario is None:
        return type
    return event_alias_of(state.scenario, type) or type


def due_items(state: State) -> list[Due]:
    """Everything waiting on the exercise clock, earliest first (ties: the slices' order)."""
    if state.scenario is None or state.status in ("new", "created", "ended"):
        return []
    items = [item for fn in REGISTRY.due for item in fn(state)]
    items.sort(key=lambda i: (i.at, i.order, i.id))
    return items
