"""One connected seat: its cursor through the log, its bounded outbox, and the few tasks it runs
only while it has work.

A session that is caught up and whose socket takes what it is given costs no task of its own: the
channel hands it the frames of a new batch that its seat may see, and they go to the socket at once
(`send_frame`, the same bytes for every session of the seat, see server/live/frames.py). Only when
it cannot (the socket pushes back, something is already waiting, or the connection has no
`send_frame`, e.g. with permessage-deflate) do messages wait in its outbox, written in order by a
writer task that ends when the outbox is empty. A session behind the channel (the catch-up after
hello, or after a full outbox) runs a catch-up task from its cursor, which ends when it is caught
up. A full outbox for longer than `stall_seconds` disconnects the client (4409; it resumes with
`after`). The hub's heartbeat ticker asks every session whether it has been quiet for `heartbeat`
seconds (`beat`): one timer for the process, not one per connection.

A session is given what it needs (its limits) and the channel it
pumps from; it knows nothing of the hub that attaches it, so the dependencies run one way:
hub -> session -> channel.
"""

from __future__ import annotations

import asyncio
import json
from collections import deque
from typing import Any, Callable

from ..domain.events import Event
from ..domain.visibility import can_see
from .channel import Channel
from .frames import text_frame


class Session:
    """One connected seat. `send` writes a text message through ASGI (it may wait), `close(code,
    reason)` closes the socket, `send_frame(frame) -> bool` writes a ready frame now if it can (or
    is None); nothing is sent before `start`."""

    __slots__ = ("exercise_id", "seat", "cursor", "ready", "sent", "queue_size", "stall_seconds", "heartbeat",
                 "_send", "_close", "_send_frame", "_outbox", "_sending", "_started", "_closed",
                 "_writer", "_catch_up", "_room", "_last_sent", "_loop")

    def __init__(self, exercise_id: str, seat: str, cursor: int, send: Callable[[str], Any],
                 close: Callable[[int, str], Any], *, queue_size: int, stall_seconds: float,
                 heartbeat: float = 20.0, send_frame: Callable[[bytes], bool] | None = None) -> None:
        self.exercise_id = exercise_id
        self.seat = seat
        self.cursor = cursor
        self.ready = False
        self.sent = 0
        self.queue_size = queue_size
        self.stall_seconds = stall_seconds
        self.heartbeat = heartbeat
        self._send = send
        self._close = close
        self._send_frame = send_frame
        self._outbox: deque[str] | None = None  # made when first needed; most sessions never need it
        self._sending = False  # the writer is inside `send`
        self._started = False
        self._closed = False
        self._writer: asyncio.Task[None] | None = None
        self._catch_up: asyncio.Task[None] | None = None
        self._room: asyncio.Future[None] | None = None  # the catch-up waiting for room in a full outbox
        self._last_sent = 0.0
        self._loop: asyncio.AbstractEventLoop | None = None

    # -- what the channel and the endpoint call ------------------------------------------------

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def tasks(self) -> list[asyncio.Task[None]]:
        """The tasks running for this session now (none while it is caught up and idle)."""
        return [t for t in (self._writer, self._catch_up) if t is not None]

    def start(self, channel: Channel) -> None:
        """Begin sending: what waited since attach (after the welcome the endpoint sent), the
        catch-up from the cursor, and the heartbeat."""
        self._started = True
        self._loop = asyncio.get_running_loop()
        self._last_sent = self._loop.time()
        if self._outbox:
            self._wake_writer()
        self.fall_behind(channel)

    def stop(self) -> None:
        """The socket is gone: cancel what runs (see `tasks`)."""
        self._closed = True
        for task in self.tasks:
            task.cancel()

    def offer(self, message: str, frame: bytes | None = None) -> None:
        """A non-event message (presence, heartbeat, pong); dropped if the outbox is full. `frame` is
        `message` as a text frame, when the caller made it once for many sessions."""
        if self._closed:
            return
        if self._can_write_now():
            if self._send_frame(frame or text_frame(message.encode())):  # type: ignore[misc]
                self._wrote()
                return
        self._put(message)

    def hand_off(self, channel: Channel, events: list[Event], frames: bytes) -> None:
        """New events for a session that is caught up: `frames` are those of `events` that its seat
        may see, written at once if the socket takes them; else queued one by one, stopping at
        the first that does not fit (the catch-up carries on from the cursor)."""
        if self._closed:
            return
        if not frames:
            self.cursor = events[-1].seq
            return
        if self._can_write_now() and self._send_frame(frames):  # type: ignore[misc]
            self._wrote()
            self.cursor = events[-1].seq
            return
        for ev in events:
            if ev.seq <= self.cursor:
                continue
            if ev.seq != self.cursor + 1:
                return
            if can_see(ev.audience, self.seat) and not self._put(channel.message(ev)):
                return
            self.cursor = ev.seq

    def fall_behind(self, channel: Channel) -> None:
        """The channel has events past the cursor: catch up, unless that already runs."""
        if self._started and not self._closed and self._catch_up is None and self.cursor < channel.head:
            self._catch_up = asyncio.get_running_loop().create_task(self._catch_up_with(channel))

    async def close(self, code: int, error: str, message: str) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            async with asyncio.timeout(1):
                await self._send(json.dumps({"type": "error", "code": error, "message": message}))
        except Exception:
            pass
        try:
            await self._close(code, error)
        except Exception:
            pass

    # -- inside --------------------------------------------------------------------------------

    def _can_write_now(self) -> bool:
        return self._send_frame is not None and self._started and not self._sending and not self._outbox

    def _wrote(self) -> None:
        self.sent += 1
        self._last_sent = self._loop.time()  # type: ignore[union-attr]

    def _put(self, message: str) -> bool:
        """Queue `message` for the writer; False if the outbox is full."""
        if self._outbox is None:
            self._outbox = deque()
        if len(self._outbox) >= self.queue_size:
            return False
        self._outbox.append(message)
        if self._started:
            self._wake_writer()
        return True

    def _wake_writer(self) -> None:
        if self._writer is None and not self._closed:
            self._writer = asyncio.get_running_loop().create_task(self._write())

    async def _write(self) -> None:
        """Send what is queued, in order, then end."""
        outbox = self._outbox
        try:
            while outbox:
                message = outbox.popleft()
                room = self._room
                if room is not None and not room.done():
                    room.set_result(None)
                self._sending = True
                try:
                    await self._send(message)
                except Exception:  # the socket is gone: the endpoint's reader sees it and stops the session
                    self._closed = True
                    return
                finally:
                    self._sending = False
                self.sent += 1
                self._last_sent = asyncio.get_running_loop().time()
        finally:
            self._writer = None

    async def _catch_up_with(self, channel: Channel) -> None:
        """Move the cursor forward through everything committed, queueing what this seat may see:
        after hello, and whenever the session fell behind the channel."""
        try:
            while self.cursor < channel.head and not self._closed:
                for ev in await channel.events_after(self.cursor):
                    if ev.seq <= self.cursor:
                        continue
                    if can_see(ev.audience, self.seat):
                        message = channel.message(ev)
                        while not self._put(message):
                            if not await self._wait_for_room():
                                await self.close(4409, "too_slow", "You fell behind the live feed; reconnect with `after` to resume.")
                                return
                    self.cursor = ev.seq
        finally:
            self._catch_up = None

    async def _wait_for_room(self) -> bool:
        self._room = asyncio.get_running_loop().create_future()
        try:
            # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancellation
            async with asyncio.timeout(self.stall_seconds):
                await self._room
            return True
        except TimeoutError:
            return False
        finally:
            self._room = None

    def beat(self, now: float, message: str, frame: bytes) -> None:
        """The heartbeat ticker (`now` on the loop's clock): say `message` if nothing was sent for
        `heartbeat` seconds."""
        if self._started and not self._closed and now - self._last_sent >= self.heartbeat:
            self.offer(message, frame)
            self._last_sent = now  # said (or queued, or dropped from a full outbox): the next in `heartbeat`
