"""`decide(state, command, seat=..., now=...)`: judge a command, return the events it records.

All judgment is in the handler the command's slice registered (`registry.py`). A refusal raises
`Refused` with a code and a sentence a participant understands. Events get their `seq` from the
stream version, so ids derived from it are the same in a replay or a fork.

After the command's own events, `react` adds what follows from them, as `system`: a decision
settled by the last vote, a seat admitted by a decision, injects triggered by an event. `Tick`
(the scheduler's command) records what is due by time.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Mapping

from .batch import Batch, due_items, react
from .errors import Refused, conflict, forbidden, invalid
from .events import FACILITATOR, OBSERVER, SYSTEM, Event, new_event
from .registry import REGISTRY, Command
from .scenario import Scenario
from .state import State
from .slices.clock import DELIVERED
from .visibility import OBSERVER_ONLY, can_see

__all__ = ["create", "decide", "due_items", "next_due", "next_due_wall", "scenario_hash"]


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


def decide(state: State, command: Command, *, seat: str, now: float, at: float | None = None,
           salt: bytes = b"", on_behalf_of: str | None = None) -> list[Event]:
    """The events `command` by `seat` records at wall time `now`, or `Refused` (see `decide_and_fold`)."""
    return decide_and_fold(state, command, seat=seat, now=now, at=at, salt=salt, on_behalf_of=on_behalf_of)[0]


def decide_and_fold(state: State, command: Command, *, seat: str, now: float, at: float | None = None,
                    salt: bytes = b"", on_behalf_of: str | None = None) -> tuple[list[Event], State]:
    """The events `command` by `seat` records at wall time `now`, or `Refused`; with the state after
    them, which deciding folds as it goes (a caller need not fold them again).

    `at` fixes the exercise time instead of reading it off the clock: a fork that re-enacts the
    moves of another run places each at the exercise time it had there. `salt` keys the ids of the
    entities the command creates (the service draws it at random; tests may leave it empty).
    `on_behalf_of`: the white cell (the facilitator, `seat`) makes this participant move for that
    seat; it is judged by that seat's powers, and its events carry `played_by: "facilitator"`.
    """
    if state.scenario is None:
        raise conflict("no_exercise", "This exercise does not exist yet.")
    try:
        return _decide(state, command, seat=seat, now=now, at=at, salt=salt, on_behalf_of=on_behalf_of)
    except Refused as refused:
        refused.scenario = state.scenario  # whose words its names are said in
        raise


def _decide(state: State, command: Command, *, seat: str, now: float, at: float | None, salt: bytes,
            on_behalf_of: str | None) -> tuple[list[Event], State]:
    spec = REGISTRY.commands.get(command.type)
    if spec is None:
        raise invalid("unknown_command", "Unknown command type '{type}'.", type=command.type)
    batch = Batch(state, now, at, salt)
    if on_behalf_of is not None:
        _check_played_for(state, spec.by, seat, on_behalf_of)
        seat = batch.played_for = on_behalf_of
    link = getattr(command, "in_response_to", None)
    if link is not None:
        delivered = DELIVERED.of(state).get(link)
        if delivered is None or not can_see(delivered.audience, seat):  # an inject it never received does not exist for it
            raise conflict("unknown_inject", "in_response_to: {seat} received no inject '{inject}'.", seat=seat, inject=link)
        batch.link = (seat, link)
    spec.decide(batch, command, seat)
    react(batch)
    return batch.events, batch.state


def _check_played_for(state: State, by: str, seat: str, target: str) -> None:
    """Only the facilitator plays another seat, only a participant's move, only a scenario's
    participating seat (not the facilitator, the observer or the system)."""
    if seat != FACILITATOR:
        raise forbidden("on_behalf_of_facilitator_only", "Only the facilitator can make a move for another seat.")
    if by != "participant":
        raise invalid("not_a_move", "on_behalf_of: only a participant's move can be made for a seat.")
    if target in (FACILITATOR, OBSERVER, SYSTEM):
        raise forbidden("not_a_played_seat", "on_behalf_of: {seat} is not a participating seat.", seat=target)
    assert state.scenario is not None
    if state.scenario.seat(target) is None:
        raise invalid("unknown_seat", "on_behalf_of: unknown seat {seat}.", seat=target)


def next_due(state: State) -> float | None:
    """The exercise time of the next thing the scheduler must do, or None."""
    items = due_items(state)
    return items[0].at if items else None


def next_due_wall(state: State) -> float | None:
    """The same as a wall-clock time: None while the clock is stopped."""
    due = next_due(state)
    return None if due is None else state.clock.wall_at(due)
