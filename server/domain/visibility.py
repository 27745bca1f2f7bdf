"""Who may see what: the one place privacy lives.

Every event carries its `audience`: None when every seat may see it, or the seats that may. The
facilitator sees everything. Reads of events (HTTP, WebSocket, export, report) filter with
`visible`; the state view filters entities with `can_see` over the same audiences, so the two never
disagree.
"""

from __future__ import annotations

from typing import Iterable, Iterator

from .events import FACILITATOR, OBSERVER, Event

OBSERVER_ONLY: tuple[str, ...] = (OBSERVER,)
FACILITATOR_ONLY: tuple[str, ...] = ()


def is_staff(seat: str) -> bool:
    """The facilitator and the observer: the seats that watch the whole exercise run."""
    return seat in (FACILITATOR, OBSERVER)


def can_see(audience: tuple[str, ...] | list[str] | None, seat: str) -> bool:
    return seat == FACILITATOR or audience is None or seat in audience


def visible(event: Event, seat: str) -> bool:
    return can_see(event.audience, seat)


def visible_events(events: Iterable[Event], seat: str) -> Iterator[Event]:
    if seat == FACILITATOR:
        yield from events
        return
    for event in events:
        if can_see(event.audience, seat):
            yield event
