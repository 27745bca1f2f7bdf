"""Whether a log is a history the engine could have recorded: every move re-decided from the state
before it, every outcome of the system re-derived, and the log holding exactly what the engine
would have recorded, in that order.

`Possible()` is called with the state before each event and the event (current version, as the
domain folds it) and answers None, or why the engine could not have recorded it:

- a seat's move (an event whose `reenact` gives the command that records it) is decided again
  from the state before it, at its exercise and wall times, by the seat whose move it was; the
  engine's first event must be this one, and the events that follow from it in the engine (a
  decision settled by the last vote, an inject triggered) must be the log's next events;
- an outcome of the system that follows no move (a scheduled inject, a deadline, a session's end)
  must be what the scheduler's tick at its exercise time records first;
- the record of a fork (`exercise_forked`) is decided again from the fork's own command.

Entity ids are keyed on a salt the engine drew at random, so they are not compared as such: the id
an event creates in the log is taken as the engine's, and references to it are read through that
correspondence. Everything else must be equal: type, actor, audience, version, exercise time, data.
"""

from __future__ import annotations

import math
from typing import Any, Mapping

from ..domain.decide import decide
from ..domain.errors import Refused
from ..domain.events import FACILITATOR, SYSTEM, Event, thaw
from ..domain.slices.clock import Tick
from ..domain.slices.decisions import Fork
from ..domain.state import State
from .reenact import NotAMove, command_for, created_id, mover

TICK = Tick(type="tick")
TIME_TOLERANCE = 0.0015  # exercise times are rounded to milliseconds where they are made


class Possible:
    """The history check of an import: call it with (state before, event), in order."""

    def __init__(self, speeds: tuple[float, float] | None = None) -> None:
        self.speeds = speeds  # the clock speeds this server lets a facilitator set (settings), if bounded
        self.expected: list[Event] = []  # what the engine derived and the log must hold next
        self.ids: dict[str, str] = {}  # the engine's id -> the log's id, within the batch being checked
        self.scenario: Any = None

    def __call__(self, state: State, ev: Event) -> str | None:
        if ev.seq == 1:
            self.format_1 = ev.type == "exercise_created" and ev.data.get("format") == 1  # see legacy.created_v1
            if ev.type != "exercise_created":
                return "the log does not start with the exercise's creation"
            scenario = ev.data.get("scenario")
            if self.format_1:
                return None
            return self._speed(scenario.get("speed", 1.0) if isinstance(scenario, Mapping) else 1.0, "the scenario's speed")
        if getattr(self, "format_1", False):
            # recorded before scenarios declared their institutions, by an engine whose rules were
            # written into the engine (and settled votes later): not decided again under today's; such a
            # log is imported for review as it was recorded, and cannot be forked
            return None
        if state.scenario is None:
            return "the log does not start with the exercise's creation"
        self.scenario = state.scenario
        if ev.type == "clock_speed_set":
            problem = self._speed(ev.data.get("factor"), "the clock speed")
            if problem is not None:
                return problem
        if self.expected:
            want = self.expected.pop(0)
            return self._same(want, ev, "the engine records next")
        # a new batch: the ids the last one created are the log's in the state from here on, so the
        # correspondence is needed only within a batch (and memory stays flat over a long log)
        self.ids.clear()
        try:
            produced = self._derive(state, ev)
        except Refused as exc:
            return f"the engine refuses this move here ({exc.code}: {exc.message})"
        except NotAMove as exc:
            return f"no seat's move records it, and nothing the system derives does either ({exc})"
        except Exception as exc:  # noqa: BLE001 - untrusted input must not crash the import
            return f"it cannot be decided again ({exc.__class__.__name__}: {exc})"[:400]
        if not produced:
            return f"the engine records no {ev.type} here (nothing is due, and no move records it)"
        first, rest = produced[0], produced[1:]
        problem = self._same(first, ev, "the engine records")
        if problem is None:
            self.expected = rest
        return problem

    def _speed(self, factor: Any, what: str) -> str | None:
        """A speed outside this server's bounds (settings) is refused as a command would be: the
        domain accepts any positive factor, and 1e-320 froze the clock of a fork resumed from it."""
        if self.speeds is None:
            return None
        low, high = self.speeds
        if type(factor) not in (int, float) or not low <= factor <= high:
            return f"the engine refuses this move here (speed_out_of_range: {what} {factor!r} is not between {low:g}x " \
                   f"and {high:g}x)"
        return None

    def _derive(self, state: State, ev: Event) -> list[Event]:
        at = float(ev.exercise_time)
        if ev.type == "exercise_forked":
            d = ev.data
            return decide(state, Fork(type="fork", from_exercise_id=str(d.get("from_exercise_id")), at=int(d.get("at") or 0),
                                      rules=thaw(d.get("rules"))), seat=FACILITATOR, now=ev.recorded_at, at=at)
        seat = mover(ev, state.scenario)
        if seat is None:  # an outcome of the system that follows no move: what time brings
            return decide(state, TICK, seat=SYSTEM, now=ev.recorded_at, at=at)
        command = command_for(ev, self._to_engine, state.scenario)
        if ev.actor != SYSTEM and ev.data.get("played_by") == FACILITATOR:  # the white cell made it for the seat
            return decide(state, command, seat=FACILITATOR, now=ev.recorded_at, at=at, on_behalf_of=seat)
        return decide(state, command, seat=seat, now=ev.recorded_at, at=at)

    def _to_engine(self, log_id: str) -> str:
        """A reference in the log, as the engine knows the entity: engine ids are the log's here,
        because each event's created id is adopted as it is checked (`_same`)."""
        return log_id

    def _same(self, want: Event, ev: Event, what: str) -> str | None:
        made, given = created_id(want, self.scenario), created_id(ev, self.scenario)
        if made is not None and given is not None:
            self.ids[made] = given
        if want.type != ev.type:
            return f"{what} a {want.type} here, not a {ev.type}"
        if want.actor != ev.actor:
            return f"{what} this {ev.type} by {want.actor}, not {ev.actor}"
        wanted = tuple(want.audience) if want.audience is not None else None
        if wanted != (tuple(ev.audience) if ev.audience is not None else None):
            return f"{what} this {ev.type} for {list(wanted) if wanted is not None else 'everyone'}, not for " \
                   f"{list(ev.audience) if ev.audience is not None else 'everyone'}"
        if want.version != ev.version:
            return f"{what} version {want.version} of {ev.type}, not {ev.version}"
        if not math.isclose(float(want.exercise_time), float(ev.exercise_time), abs_tol=TIME_TOLERANCE):
            return f"{what} this {ev.type} at exercise time {want.exercise_time}, not {ev.exercise_time}"
        mine, theirs = self._mapped(thaw(want.data)), thaw(ev.data)
        if mine != theirs:
            keys = sorted(k for k in set(mine) | set(theirs) if mine.get(k) != theirs.get(k))
            return f"{what} this {ev.type} with other data ({', '.join(keys[:5])})"
        return None

    def _mapped(self, value: Any) -> Any:
        """The engine's data with its ids replaced by the log's."""
        if isinstance(value, str):
            return self.ids.get(value, value)
        if isinstance(value, Mapping):
            return {(self.ids.get(k, k) if isinstance(k, str) else k): self._mapped(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self._mapped(v) for v in value]
        return value
