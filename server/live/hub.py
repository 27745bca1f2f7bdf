"""Per-process fan-out: one channel per live exercise, one session per WebSocket.

A channel knows the exercise's head seq and keeps a ring of recent events, refreshed by one store
read per notification however many sessions listen. Each session has its own cursor and pulls
from the ring (or, when it is further behind, from the store) whatever lies after it, so there is
no gap and no duplicate by construction: the cursor only moves past events it has handled.
A session's outbound queue is bounded; a client that stalls is disconnected and resumes with
`after`, and never slows anyone else.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import deque
from typing import Any, Callable

import orjson

from ..domain.events import Event
from ..domain.visibility import can_see
from ..settings import Settings
from .notifier import Notifier

log = logging.getLogger("ttx.live")

RING_SIZE = 2000
READ_PAGE = 500
PRESENCE_EVERY = 10.0  # seconds between presence announcements to the other processes
PRESENCE_TTL = 3 * PRESENCE_EVERY  # a process not heard from for this long is gone


class Channel:
    def __init__(self, hub: "Hub", exercise_id: str, head: int) -> None:
        self.hub = hub
        self.exercise_id = exercise_id
        self.head = head
        self.ring: deque[Event] = deque(maxlen=RING_SIZE)
        self._messages: dict[int, str] = {}  # seq -> the `event` message, serialised once for every session
        self.sessions: set["Session"] = set()
        self._lock = asyncio.Lock()
        self._last_presence: list[str] | None = None

    def read_after(self, cursor: int) -> list[Event] | None:
        """Events after `cursor` up to the head, from memory; None if the ring does not reach back."""
        if cursor >= self.head:
            return []
        if not self.ring or self.ring[0].seq > cursor + 1:
            return None
        start = cursor + 1 - self.ring[0].seq
        return [self.ring[i] for i in range(start, len(self.ring))]

    async def refresh(self, hint: int | None = None) -> None:
        """Read what was committed after our head (one read, whoever asks)."""
        if hint is not None and hint <= self.head:
            return
        async with self._lock:
            while True:
                batch = await self.hub.store.read(self.exercise_id, after=self.head, limit=READ_PAGE)
                if not batch:
                    return
                previous = self.head
                self.ring.extend(batch)
                self.head = batch[-1].seq
                if len(self._messages) > 2 * RING_SIZE:
                    oldest = self.ring[0].seq
                    self._messages = {k: v for k, v in self._messages.items() if k >= oldest}
                for session in list(self.sessions):
                    if session.cursor == previous:
                        session.hand_off(self, batch)  # caught up: take the new events straight away
                    if session.cursor < self.head:
                        session.wakeup.set()  # behind (or its queue is full): its pump takes over
                if len(batch) < READ_PAGE:
                    return

    def message(self, event: Event) -> str:
        """The `event` message for `event`: identical for every seat that may see it, so made once."""
        text = self._messages.get(event.seq)
        if text is None:
            text = event_message(event)
            if self.ring and event.seq >= self.ring[0].seq:
                self._messages[event.seq] = text
        return text

    def local_presence(self) -> list[str]:
        return sorted({s.seat for s in self.sessions if s.ready})

    def presence(self) -> list[str]:
        """Seats connected here or, as other processes last told us, there."""
        return sorted(set(self.local_presence()) | self.hub.remote_presence(self.exercise_id))

    def broadcast_presence(self) -> None:
        online = self.presence()
        if online == self._last_presence:
            return
        self._last_presence = online
        message = json.dumps({"type": "presence", "online": online})
        for s in list(self.sessions):
            s.offer(message)


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


class Hub:
    def __init__(self, *, store, notifier: Notifier, settings: Settings) -> None:
        self.store = store
        self.notifier = notifier
        self.settings = settings
        self.channels: dict[str, Channel] = {}
        self._unsubscribe: Callable[[], None] | None = None
        self._poller: asyncio.Task[None] | None = None
        self._refreshing: set[asyncio.Task[None]] = set()
        # exercise -> process -> (seats, when heard): presence in the other server processes
        self._remote: dict[str, dict[str, tuple[list[str], float]]] = {}

    async def start(self) -> None:
        self._unsubscribe = self.notifier.subscribe(self._on_hint)
        self.notifier.on_reconnect(self._on_reconnect)
        self.notifier.on_presence(self._on_presence)
        self._poller = asyncio.create_task(self._poll(), name="ttx-live-poll")

    async def stop(self) -> None:
        if self._unsubscribe:
            self._unsubscribe()
        if self._poller:
            self._poller.cancel()
        for channel in list(self.channels.values()):
            for s in list(channel.sessions):
                await s.close(1001, "server_shutdown", "The server is restarting; reconnect with `after`.")

    def _spawn(self, coro) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._refreshing.add(task)
        task.add_done_callback(self._refreshing.discard)

    def _on_hint(self, exercise_id: str, seq: int) -> None:
        channel = self.channels.get(exercise_id)
        if channel is not None and seq > channel.head:
            self._spawn(channel.refresh(seq))

    def _on_reconnect(self) -> None:
        self._spawn(self.resync())

    async def resync(self) -> None:
        """Re-read the heads of every live exercise: after a lost LISTEN connection, or on the poll."""
        heads = await self.store.heads(list(self.channels))
        for exercise_id, head in heads.items():
            channel = self.channels.get(exercise_id)
            if channel is not None and head > channel.head:
                await channel.refresh(head)

    async def _poll(self) -> None:
        last_presence = 0.0
        while True:
            await asyncio.sleep(self.settings.poll_seconds)
            try:
                await self.resync()
                if time.monotonic() - last_presence >= PRESENCE_EVERY:
                    last_presence = time.monotonic()
                    for channel in list(self.channels.values()):
                        await self._announce(channel)
                        channel.broadcast_presence()  # drops what other processes stopped confirming
            except Exception as exc:
                log.warning("live poll failed: %s", exc.__class__.__name__)

    # -- presence across processes -----------------------------------------------------------

    def remote_presence(self, exercise_id: str) -> set[str]:
        now = time.monotonic()
        seats: set[str] = set()
        for process, (online, heard) in list(self._remote.get(exercise_id, {}).items()):
            if now - heard > PRESENCE_TTL:
                del self._remote[exercise_id][process]
            else:
                seats.update(online)
        return seats

    def _on_presence(self, process: str, exercise_id: str, seats: list[str]) -> None:
        self._remote.setdefault(exercise_id, {})[process] = (seats, time.monotonic())
        channel = self.channels.get(exercise_id)
        if channel is not None:
            channel.broadcast_presence()

    async def _announce(self, channel: Channel) -> None:
        try:
            await self.notifier.publish_presence(channel.exercise_id, channel.local_presence())
        except Exception as exc:  # presence is a courtesy; never fail a connection for it
            log.debug("presence announcement failed: %s", exc)

    def _presence_changed(self, channel: Channel) -> None:
        channel.broadcast_presence()
        self._spawn(self._announce(channel))

    async def attach(self, session: Session) -> Channel:
        channel = self.channels.get(session.exercise_id)
        if channel is None:
            heads = await self.store.heads([session.exercise_id])
            channel = self.channels.get(session.exercise_id)  # another session may have made it meanwhile
            if channel is None:
                channel = Channel(self, session.exercise_id, heads.get(session.exercise_id, 0))
                self.channels[session.exercise_id] = channel
        channel.sessions.add(session)
        session.ready = True
        self._presence_changed(channel)
        return channel

    def detach(self, session: Session) -> None:
        channel = self.channels.get(session.exercise_id)
        if channel is None:
            return
        channel.sessions.discard(session)
        self._spawn(self._announce(channel))
        if channel.sessions:
            channel.broadcast_presence()
        else:
            del self.channels[session.exercise_id]

    def online(self, exercise_id: str) -> list[str]:
        channel = self.channels.get(exercise_id)
        return channel.presence() if channel else []

    def connection_count(self) -> int:
        return sum(len(c.sessions) for c in self.channels.values())


def event_message(event: Event) -> str:
    return orjson.dumps({"type": "event", "event": event.envelope()}).decode()
