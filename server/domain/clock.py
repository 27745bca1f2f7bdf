"""The exercise clock: exercise time runs from the start, stops while paused, runs faster at speed > 1.

The clock is anchored at the last clock event: `anchor_time` exercise seconds at wall time
`anchor_wall`. Both come from recorded events, so a replay reproduces the clock exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True, slots=True)
class Clock:
    running: bool = False
    speed: float = 1.0
    anchor_time: float = 0.0
    anchor_wall: float = 0.0

    def time_at(self, wall: float) -> float:
        """Exercise seconds at wall-clock time `wall` (never before the anchor)."""
        if not self.running:
            return self.anchor_time
        return self.anchor_time + max(0.0, wall - self.anchor_wall) * self.speed

    def wall_at(self, exercise_time: float) -> float | None:
        """When, on the wall clock, exercise time will reach `exercise_time` (None when stopped)."""
        if not self.running:
            return None
        return self.anchor_wall + max(0.0, exercise_time - self.anchor_time) / self.speed

    def started(self, wall: float, speed: float) -> "Clock":
        return Clock(True, speed, 0.0, wall)

    def paused(self, exercise_time: float, wall: float) -> "Clock":
        return Clock(False, self.speed, exercise_time, wall)

    def resumed(self, exercise_time: float, wall: float) -> "Clock":
        return Clock(True, self.speed, exercise_time, wall)

    def with_speed(self, factor: float, exercise_time: float, wall: float) -> "Clock":
        return Clock(self.running, factor, exercise_time, wall)


def in_world(start: datetime, exercise_time: float) -> datetime:
    """The in-world date and time shown to players for an exercise time."""
    return start + timedelta(seconds=exercise_time)
