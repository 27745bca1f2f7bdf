"""Events back into the commands that made them, for re-enacting a run's moves in a fork.

Each slice registers, with each event a seat can cause, its inverse (`registry.EventType.reenact`):
a pure mapping from the event to the command its actor would send to record it again. Ids in the
commands name entities of the original run; `translate` turns them into the fork's ids (they
differ, because ids come from the seq). System events (outcomes, triggered injects) are not
moves: the fork derives its own.
"""

from __future__ import annotations

from typing import Any, Callable

from ..domain.events import SYSTEM, Event, thaw
from ..domain.fold import as_generic
from ..domain.registry import REGISTRY, Command, EventType, NotAMove
from ..domain.scenario import Scenario

Translate = Callable[[str], str]

__all__ = ["NotAMove", "command_for", "created_id", "event_type", "mover"]


def _same(x: str) -> str:
    return x


def event_type(event: Event, scenario: Scenario | None = None) -> EventType | None:
    """The registered type of an event, also when it was recorded under a scenario's alias."""
    spec = REGISTRY.events.get(event.type)
    if spec is None and scenario is not None:
        spec, _ = as_generic(scenario, event)
    return spec


def mover(event: Event, scenario: Scenario | None = None) -> str | None:
    """The seat whose move an event records: its actor, or, for an event the system records on a
    seat's behalf (a vote closed by the chair), that seat; None for the system's own outcomes."""
    if event.actor != SYSTEM:
        return event.actor
    spec = event_type(event, scenario)
    return spec.mover(event.data) if spec is not None and spec.mover is not None else None


def created_id(event: Event, scenario: Scenario | None = None) -> str | None:
    """The id of the entity this event created, if it created one."""
    spec = event_type(event, scenario)
    if spec is None or spec.creates is None:
        return None
    value: Any = spec.creates(event.data) if callable(spec.creates) else event.data.get(spec.creates)
    return str(value) if value is not None else None


def command_for(event: Event, translate: Translate = _same, scenario: Scenario | None = None) -> Command:
    """The command `event.actor` would send to record `event` again (ids translated)."""
    spec, read = as_generic(scenario, event) if scenario is not None else (REGISTRY.events.get(event.type), event)
    if spec is None:
        raise NotAMove(f"{event.type} is not an event this engine records")
    if spec.reenact is None:
        raise NotAMove(f"{event.type} is recorded by the system, not by a seat")
    command = spec.reenact(read, thaw(read.data), translate)
    link = read.data.get("in_response_to")
    if link is not None and "in_response_to" in type(command).model_fields:
        command = command.model_copy(update={"in_response_to": translate(str(link))})
    return command
