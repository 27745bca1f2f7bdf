"""One connected seat: its cursor through the log, its bounded send queue, its pump and writer."""

from __future__ import annotations

import asyncio
import json
import time
from typing import TYPE_CHECKING, Any, Callable

from ..domain.events import Event
from ..domain.visibility import can_see
from .channel import READ_PAGE, Channel

if TYPE_CHECKING:
    from .hub import Hub


class Session:
    """One connected seat. `send` writes to the socket; the hub drives the rest."""

    def __init__(self, hub: "Hub", exercise_id: str, seat: str, cursor: int, send: Callable[[str], Any],
                 close: Callable[[int, str], Any]) -> None:
        self.hub = hub
        self.exercise_id = exercise_id
        self.seat = seat
        self.cursor = cursor
        self.queue: asyncio.Queue[str] = asyncio.Queue(maxsize=hub.settings.ws_send_queue)
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
        stall = self.hub.settings.ws_stall_seconds
        while True:
            if self.cursor >= channel.head:
                self.wakeup.clear()
                if self.cursor >= channel.head:
                    await self.wakeup.wait()
                continue
            events = channel.read_after(self.cursor)
            if events is None:
                events = await self.hub.store.read(self.exercise_id, after=self.cursor, upto=channel.head, limit=READ_PAGE)
            for ev in events:
                if ev.seq <= self.cursor:
                    continue
                if can_see(ev.audience, self.seat):
                    message = channel.message(ev)
                    try:
                        self.queue.put_nowait(message)
                    except asyncio.QueueFull:
                        try:
                            # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancellation
                            async with asyncio.timeout(stall):
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
                    message = json.dumps({"type": "heartbeat", "time": time.time()})
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
