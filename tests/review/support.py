"""Pure runs for review tests: every move at an exercise time the test chooses (no clock, no database)."""

from __future__ import annotations

from typing import Any

from server.domain.commands import Command, parse_command, resolve_alias
from server.domain.slices.clock import Tick
from server.domain.decide import create, decide
from server.domain.events import Event
from server.domain.scenario import Scenario
from server.domain.fold import fold
from server.domain.state import State
from server.scenarios import load_scenario_file
from server.settings import PROJECT_ROOT

T0 = 1_800_000_000.0
MEMBERS = ("ARM", "AZE", "BLR", "GEO", "KAZ", "KGZ", "RUS", "TJK", "UZB")
XSS = "<img src=x onerror=alert(1)>"


def border_crisis() -> Scenario:
    return load_scenario_file(PROJECT_ROOT / "exercises" / "csto-border-crisis.yaml")


class Play:
    """A scenario played move by move; `t` is the exercise time (seconds) each move happens at."""

    def __init__(self, scenario: Scenario | None = None, *, start: bool = True) -> None:
        self.events: list[Event] = create(scenario or border_crisis(), now=T0)
        self.state: State = fold(self.events)
        if start:
            self.do("facilitator", "start_exercise", t=0)

    def _apply(self, new: list[Event]) -> list[Event]:
        self.events += new
        self.state = fold(new, self.state)
        return new

    def do(self, seat: str, type: str, /, *, t: float, **fields: Any) -> list[Event]:
        assert self.state.scenario is not None
        cmd: Command = parse_command(resolve_alias(self.state.scenario, {"type": type, **fields}))
        return self._apply(decide(self.state, cmd, seat=seat, now=T0 + t, at=float(t)))

    def tick(self, t: float) -> list[Event]:
        return self._apply(decide(self.state, Tick(type="tick"), seat="system", now=T0 + t, at=float(t)))

    def last(self, type: str) -> Event:
        return next(e for e in reversed(self.events) if e.type == type)

    def first(self, type: str) -> Event:
        return next(e for e in self.events if e.type == type)


# --- exported logs, and ways to damage them ----------------------------------------------------

TAMPERINGS = ("data_edited", "lines_swapped", "line_deleted", "last_line_deleted")


def tamper(export: str, how: str, *, target_seq: int = 5) -> tuple[str, int]:
    """A damaged copy of an NDJSON export and the seq where verification must say it breaks.
    Line 1 is the header; the event with seq N is on line N + 1."""
    import json

    lines = export.splitlines()
    n = len(lines) - 1  # events
    assert n > target_seq + 2, "the log is too short to damage meaningfully"
    if how == "data_edited":
        line = lines[target_seq]
        env = json.loads(line)
        assert env["seq"] == target_seq
        data = json.dumps(env["data"], separators=(",", ":"), ensure_ascii=False)
        i = next(i for i, ch in enumerate(data) if ch.isalnum() and data[i - 1] == '"' and i > 2 and data[i - 2] == ":")
        flipped = "x" if data[i] != "x" else "y"
        new_data = data[:i] + flipped + data[i + 1:]  # one byte of one value
        assert line.count(data) == 1
        lines[target_seq] = line.replace(data, new_data)
        return "\n".join(lines) + "\n", target_seq
    if how == "lines_swapped":
        lines[target_seq], lines[target_seq + 1] = lines[target_seq + 1], lines[target_seq]
        return "\n".join(lines) + "\n", target_seq
    if how == "line_deleted":
        del lines[target_seq]
        return "\n".join(lines) + "\n", target_seq
    if how == "last_line_deleted":
        del lines[-1]
        return "\n".join(lines) + "\n", n
    raise ValueError(how)


def export_text(events: list[Event], exercise_id: str = "ex_0123456789abcdef") -> str:
    """An NDJSON export of a pure run, sealed the way the store seals (ids and hashes)."""
    import json

    from server.review.export import FORMAT, FORMAT_VERSION
    from server.store.chain import GENESIS
    from server.store.sql import seal

    sealed, _rows = seal(exercise_id, events, GENESIS)
    header = {"format": FORMAT, "version": FORMAT_VERSION, "exercise_id": exercise_id, "scenario_id": "csto-border-crisis",
              "title": "test", "exported_at": "2026-11-27T10:00:00.000Z", "event_count": len(sealed),
              "head_hash": sealed[-1].hash, "read_only": False, "origin": None}
    lines = [header] + [e.envelope() for e in sealed]
    return "\n".join(json.dumps(x, separators=(",", ":"), ensure_ascii=False) for x in lines) + "\n"
