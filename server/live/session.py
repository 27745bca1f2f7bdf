"""One connected seat: its cursor through the log, its bounded send queue, its pump and writer.

A session is given what it needs (its limits, a clock for the heartbeat's time) and the channel it
pumps from; it knows nothing of the hub that attaches it, so the dependencies run one way:
hub -> session -> channel.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any, Callable

from ..domain.events import Event
from ..domain.visibility import can_see
from .channel import Channel


class Session:
    """One connected seat. `send` writes to the socket, `close(code, reason)` closes it; a full
    queue for longer than `stall_seconds` disconnects the client (it resumes with `after`)."""

    def __init__(self, exercise_id: str, seat: str, cursor: int, send: Callable[[str], Any],
                 close: Callable[[int, str], Any], *, queue_size: int, stall_seconds: float,
                 now: Callable[[], float] = time.time) -> None:
        self.exercise_id = exercise_id
        self.seat = seat
        self.cursor = cursor
        self.queue: asyncio.Queue[str] = asyncio.Queue(maxsize=queue_size)
        self.stall_seconds = stall_seconds
        self._now = now
        self._send = send
        self._close = close
        self.ready = False
        self.closed = asyncio.Event()
        self.wakeup = asyncio.Event()  # set when the channel has events this session has not had
        self.tasks: list[asyncio.Task[None]] = []
        self.sent = 0

    def offer(self, message: str) -> None:
        """Enqueue a non-event message (presence, heartbeat); dropped if the client is backed up."""
        try:
            self.queue.put_nowait(message)
        except asyncio.QueueFull:
            pass

    def hand_off(self, channel: Channel, events: list[Event]) -> None:
        """Queue new events for a session that is caught up, without waking its pump. Stops at the
        first event that does not fit; the pump carries on from the cursor."""
        for ev in events:
            if ev.seq <= self.cursor:
                continue
            if ev.seq != self.cursor + 1:
                return
            if can_see(ev.audience, self.seat):
                try:
                    self.queue.put_nowait(channel.message(ev))
                except asyncio.QueueFull:
                    return
            self.cursor = ev.seq

    async def pump(self, channel: Channel) -> None:
        """Move the cursor forward through everything committed, sending what this seat may see:
        the catch-up after hello, and whenever the session falls behind the channel."""
        while True:
            if self.cursor >= channel.head:
                self.wakeup.clear()
                if self.cursor >= channel.head:
                    await self.wakeup.wait()
                continue
            for ev in await channel.events_after(self.cursor):
                if ev.seq <= self.cursor:
                    continue
                if can_see(ev.audience, self.seat):
                    message = channel.message(ev)
                    try:
                        self.queue.put_nowait(message)
                    except asyncio.QueueFull:
                        try:
                            # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancellation
                            async with asyncio.timeout(self.stall_seconds):
                                await self.queue.put(message)
                        except TimeoutError:
                            await self.close(4409, "too_slow", "You fell behind the live feed; reconnect with `after` to resume.")
                            return
                self.cursor = ev.seq

    async def writer(self, heartbeat: float) -> None:
        """Send what is queued; when nothing has been for `heartbeat` seconds, say so."""
        while True:
            try:
                message = self.queue.get_nowait()
            except asyncio.QueueEmpty:
                try:
                    async with asyncio.timeout(heartbeat):
                        message = await self.queue.get()
                except TimeoutError:
                    message = json.dumps({"type": "heartbeat", "time": self._now()})
            await self._send(message)
            self.sent += 1

    async def close(self, code: int, error: str, message: str) -> None:
        if self.closed.is_set():
            return
        self.closed.set()
        try:
            async with asyncio.timeout(1):
                await self._send(json.dumps({"type": "error", "code": error, "message": message}))
        except Exception:
            pass
        try:
            await self._close(code, error)
        except Exception:
            pass
