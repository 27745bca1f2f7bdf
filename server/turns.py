"""Whose turn it is to write to an exercise: one command at a time in a process, and, when several
processes write to the same exercise, one process at a time for a few commands.

In a process, an exercise's commands are decided one after the other (an asyncio lock), so each
decision sees the one before it and none loses a race to its neighbour.

Across processes the store's optimistic concurrency keeps the log right whatever happens: an
append from a stale version changes nothing and is retried on the fresh state. But two busy
processes racing for one exercise lose a lot of races, and the one whose decisions take longer can
lose nearly all of them. So after a lost race (for `contended_seconds`), a process takes *turns*:
the store's cross-process lock (`EventStore.exclusive`: a PostgreSQL advisory lock, whose waiters
are served in order), held for as long as its own commands for that exercise are waiting, up to
`commands_per_turn` in a row, then handed on; the command that lost the race retries in turn. Within a turn nobody else appends, so the cached
state stays current and each command is one append; a new turn starts with one read of the events
the other process appended during its own (the caller refreshes when `writing` yields True). The
lock and the release cost a round trip each per turn, not per command, which is what made two
processes on one exercise slower than one when every command queued for the lock on its own.
"""

from __future__ import annotations

import asyncio
import time
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from typing import AsyncIterator

from .store.base import EventStore


@dataclass
class _Exercise:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    waiting: int = 0  # commands of this process waiting for the lock
    contended_until: float = 0.0  # monotonic: take turns with other processes until then
    turn: AsyncExitStack | None = None  # holding the cross-process lock
    commands_this_turn: int = 0


class Turns:
    def __init__(self, store: EventStore, *, contended_seconds: float = 10.0, commands_per_turn: int = 64) -> None:
        self.store = store
        self.contended_seconds = contended_seconds
        self.commands_per_turn = commands_per_turn
        self._exercises: dict[str, _Exercise] = {}

    def lost_race(self, exercise_id: str) -> None:
        """Another process appended first: take turns with it for a while."""
        self._of(exercise_id).contended_until = time.monotonic() + self.contended_seconds

    def holding(self, exercise_id: str) -> bool:
        """Whether this process holds its turn at the exercise now (its appends go in turn)."""
        ex = self._exercises.get(exercise_id)
        return ex is not None and ex.turn is not None

    def contended(self, exercise_id: str) -> bool:
        ex = self._exercises.get(exercise_id)
        return ex is not None and ex.contended_until >= time.monotonic()

    def _of(self, exercise_id: str) -> _Exercise:
        ex = self._exercises.get(exercise_id)
        if ex is None:
            ex = self._exercises[exercise_id] = _Exercise()
        return ex

    async def take(self, exercise_id: str) -> bool:
        """Take this process's turn at the exercise now, if it does not hold it yet (the caller is
        inside `writing`): after a lost race, the retry itself goes in turn. True when newly taken."""
        ex = self._of(exercise_id)
        if ex.turn is not None:
            return False
        turn = AsyncExitStack()
        await turn.enter_async_context(self.store.exclusive(exercise_id))
        ex.turn, ex.commands_this_turn = turn, 0
        return True

    @asynccontextmanager
    async def writing(self, exercise_id: str) -> AsyncIterator[bool]:
        """This process's turn at the exercise, for one command. Yields True when the turn is new:
        other processes may have appended since this one last did, so the caller reads what it
        missed before it decides."""
        ex = self._of(exercise_id)
        ex.waiting += 1
        try:
            await ex.lock.acquire()
        finally:
            ex.waiting -= 1
        try:
            new_turn = ex.contended_until >= time.monotonic() and await self.take(exercise_id)
            try:
                yield new_turn
            finally:
                if ex.turn is not None:
                    ex.commands_this_turn += 1
                    if (ex.waiting == 0 or ex.commands_this_turn >= self.commands_per_turn
                            or ex.contended_until < time.monotonic()):
                        turn, ex.turn = ex.turn, None
                        await turn.aclose()
        finally:
            ex.lock.release()
            if ex.waiting == 0 and ex.turn is None and not ex.lock.locked() and ex.contended_until < time.monotonic():
                self._exercises.pop(exercise_id, None)
