"""The scheduler: delivers what the exercise clock says is due, as `system`, in one process at a time.

Each append records the exercise's next due wall-clock time; the leader asks the store which
exercises are due and sends each a `tick`. Exactly-once comes from the log itself: `decide` never
delivers an inject twice, and a second process that ticks at the same moment loses the optimistic
concurrency check, re-decides on the new state and finds nothing left to do. The tick's
idempotency key names the first item due, so a retried tick is answered from the log.
"""

from __future__ import annotations

import asyncio
import logging

from .clock import Clock, SystemClock
from .domain.batch import due_items
from .domain.slices.clock import Tick
from .domain.errors import Refused
from .domain.events import SYSTEM
from .live.leader import Leadership
from .service import ExerciseService

log = logging.getLogger("ttx.scheduler")
TICK = Tick(type="tick")


class Scheduler:
    """`run` is the loop a server runs; `run_due` is one pass of it, which a test can call itself
    after moving a `ManualClock` on (the loop waits on the same clock between passes)."""

    def __init__(self, service: ExerciseService, leadership: Leadership, *, interval: float = 0.2,
                 clock: Clock | None = None) -> None:
        self.service = service
        self.leadership = leadership
        self.interval = interval
        self.clock = clock or SystemClock()
        self.is_leader = False
        self.ticks = 0

    async def run(self) -> None:
        while True:
            try:
                leader = await self.leadership.acquire()
                if leader != self.is_leader:
                    log.info("scheduler %s", "leading" if leader else "standing by")
                    self.is_leader = leader
                if leader:
                    await self.run_due()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("scheduler pass failed; trying again")
                await self.clock.sleep(1)
            await self.clock.sleep(self.interval if self.is_leader else 1.0)

    async def run_due(self) -> int:
        """Tick every exercise with something due by the clock's now; returns the events recorded."""
        ran = 0
        for exercise_id in await self.service.store.due_exercises(self.clock.now()):
            try:
                state = await self.service.state(exercise_id)
                items = due_items(state)
                key = f"tick:{items[0].what}:{items[0].id}" if items else None
                events = await self.service.execute(exercise_id, SYSTEM, TICK, idempotency_key=key)
                ran += len(events)
                self.ticks += 1
            except Refused as exc:  # pragma: no cover - a tick is never refused in a running exercise
                log.warning("tick of %s refused: %s", exercise_id, exc.message)
            except Exception:
                log.exception("tick of %s failed", exercise_id)
        return ran

    async def stop(self) -> None:
        await self.leadership.release()
