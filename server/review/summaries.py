"""One line of plain text per event, for the report's timeline and the CSV: the sentence the event's
slice registered (`registry.EventType.summary`), in the scenario's words.

Plain text: the renderers escape it for HTML and Markdown. Participant text is cut to a length that
fits a line, never interpreted. Also the one way every human-readable output writes times (`clock`,
`in_world_text`) and names seats and rules (`seat_names`, `rules_text`).
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any, Callable

from ..domain.events import Event
from ..domain.institutions import index
from ..domain.registry import REGISTRY
from ..domain.scenario import Scenario
from ..domain.words import Words
from ..domain.fold import as_generic

MAX_TEXT = 140
clip = Words.clip


def whole_seconds(seconds: float) -> int:
    """The whole seconds a time has reached: rounded to the millisecond the log keeps, then cut (a
    clock reads 00:01:06 until 67 s have passed). The page does the same (client/js/clock.js `hms`)."""
    ms = math.floor(abs(float(seconds)) * 1000 + 0.5)  # half up, as JavaScript's Math.round
    return (ms // 1000) * (-1 if seconds < 0 else 1)


def clock(seconds: float | None) -> str:
    """Exercise time (or a delay) as `HH:MM:SS`, hours running past 24; empty for None. The one way
    every human-readable output writes it: page, HTML, Markdown and CSV agree to the second."""
    if seconds is None:
        return ""
    s = whole_seconds(seconds)
    sign, s = ("-", -s) if s < 0 else ("", s)
    return f"{sign}{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"


DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def in_world_at(start: datetime, seconds: float) -> datetime:
    """The in-world time `seconds` after the scenario's start, cut to the second like `clock`."""
    moment = start + timedelta(milliseconds=math.floor(float(seconds) * 1000 + 0.5))
    return moment.replace(microsecond=0)


def in_world_text(start: str | datetime, seconds: float) -> str:
    """`Mon 12 Jun 1995 09:15:30`, in the scenario's own time zone, as the page writes it
    (client/js/clock.js `inWorldText`)."""
    t = in_world_at(datetime.fromisoformat(start) if isinstance(start, str) else start, seconds)
    return f"{DAYS[t.weekday()]} {t.day} {MONTHS[t.month - 1]} {t.year} {t:%H:%M:%S}"


def in_world_iso(start: str | datetime, seconds: float) -> str:
    """The same moment as ISO 8601 to the second (`1995-06-12T09:15:30+05:00`), for CSV."""
    return in_world_at(datetime.fromisoformat(start) if isinstance(start, str) else start, seconds).isoformat()


def seat_names(report: dict[str, Any]) -> Callable[[Any], str]:
    """A seat's name as the report's scenario gives it (the id for a seat it does not know)."""
    names = {s["seat"]: s["name"] for s in report["seats"]}
    names.update({"facilitator": "Facilitator", "observer": "Observer", "system": "System"})
    return lambda seat: names.get(str(seat), str(seat))


def seat_list(name: Callable[[Any], str], seats: Any) -> str:
    if seats == "all" or seats is None:
        return "all"
    return ", ".join(name(s) for s in seats) or "none"


def rules_text(rules: list[dict[str, Any]]) -> str:
    return "; ".join(f"{r.get('applies_to') or r['body'] + '/' + r['kind']}: {r['description']}" for r in rules)


def summarize(event: Event, scenario: Scenario, words: Words | None = None) -> str:
    """The event's sentence in `words`' language (default: the scenario's English)."""
    spec, read = as_generic(scenario, event)
    if spec is None:
        return event.type.replace("_", " ")
    w = words or index(scenario).words
    text = spec.summary(read, read.data, w)
    if event.actor != "system" and event.data.get("played_by") == "facilitator":  # the white cell's move for the seat
        text = w.say("{summary} (played by control)", summary=text)
    return text


def summarized_types() -> frozenset[str]:
    return frozenset(REGISTRY.events)
