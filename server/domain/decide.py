"""`decide(state, command, seat=..., now=...)`: judge a command, return the events it records.

All judgment is in `decide` and the moves it dispatches to, one module per area:
`exercise_moves` (clock, injects, observations, control channel, scores, forks),
`consultation_moves` (threats, consultations), `assistance_moves`, `decision_moves` (sessions,
decisions, votes, implementation, UN notification, accession). A refusal raises `Refused` with a
code and a sentence a participant understands. Events get their `seq` from the stream version, so
ids derived from it (`dec_12`, `con_5`) are the same in a replay or a fork.

After the command's own events, `react` adds what follows from them, as `system`: a decision
settled by the last vote, a seat admitted by an accession decision, injects triggered by an event.
`Tick` (the scheduler's command) adds what is due by time: scheduled injects, deadlines, `unless`
triggers, the end of a session's time frame.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Mapping

from . import assistance_moves, consultation_moves, decision_moves, exercise_moves  # noqa: F401  (register the moves)
from . import commands as c
from .batch import HANDLERS, MAX_REACTIONS, Batch, deliver, handles, settle_decision
from .errors import conflict, forbidden, invalid
from .events import SYSTEM, Event, EventSpec, new_event
from .scenario import Scenario, parse_offset
from .state import State
from .visibility import OBSERVER_ONLY


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


def decide(state: State, command: c.Command, *, seat: str, now: float, at: float | None = None) -> list[Event]:
    """The events `command` by `seat` records at wall time `now`, or `Refused`.

    `at` fixes the exercise time instead of reading it off the clock: a fork that re-enacts the
    moves of another run places each at the exercise time it had there.
    """
    if state.scenario is None:
        raise conflict("no_exercise", "This exercise does not exist yet.")
    handler = HANDLERS.get(command.type)
    if handler is None:
        raise invalid("unknown_command", f"Unknown command type {command.type!r}.")
    batch = Batch(state, now, at)
    handler(batch, command, seat)
    react(batch)
    return batch.events


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


@handles("tick")
def _tick(b: Batch, cmd: c.Tick, seat: str) -> None:
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
            deliver(b, ident, SYSTEM, "scheduled" if what == "inject" else "unless", at=at)
        elif what == "deadline":
            settle_decision(b, b.state.decisions[ident], deadline_passed=True, at=at)
        elif what == "session_end":
            b.emit("session_closed", SYSTEM, {"session_id": ident}, at=at)
        react(b)


# --- what follows from events -----------------------------------------------------------------


def react(b: Batch) -> None:
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
                settle_decision(b, dec, deadline_passed=False)
        elif ev.type == "decision_adopted" and ev.data.get("kind") == "accession" and ev.data.get("subject"):
            b.emit("seat_admitted", SYSTEM, {"seat": ev.data["subject"], "decision_id": ev.data["decision_id"]})
        for inj in when_injects:
            if inj.id in b.state.delivered:
                continue
            assert inj.when is not None
            if EventSpec(inj.when.event, inj.when.fields()).matches(ev):
                deliver(b, inj.id, SYSTEM, "when")
