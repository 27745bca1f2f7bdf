"""One line of plain text per event, for the report's timeline and the CSV: the sentence the event's
slice registered (`registry.EventType.summary`), in the scenario's words.

Plain text: the renderers escape it for HTML and Markdown. Participant text is cut to a length that
fits a line, never interpreted.
"""

from __future__ import annotations

from ..domain.events import Event
from ..domain.institutions import index
from ..domain.registry import REGISTRY
from ..domain.scenario import Scenario
from ..domain.words import Words
from ..domain.fold import as_generic

MAX_TEXT = 140
clip = Words.clip


def clock(seconds: float | None) -> str:
    """Exercise time as `H:MM:SS` (hours run past 24 in long exercises); empty for None."""
    if seconds is None:
        return ""
    s = int(round(float(seconds)))
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


def summarize(event: Event, scenario: Scenario) -> str:
    spec, read = as_generic(scenario, event)
    if spec is None:
        return event.type.replace("_", " ")
    text = spec.summary(read, read.data, index(scenario).words)
    if event.actor != "system" and event.data.get("played_by") == "facilitator":  # the white cell's move for the seat
        text += " (played by control)"
    return text


def summarized_types() -> frozenset[str]:
    return frozenset(REGISTRY.events)
