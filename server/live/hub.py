"""Per-process fan-out: one channel per live exercise, one session per WebSocket.

A channel knows the exercise's head seq and keeps a ring of recent events, refreshed by one store
read per notification however many sessions listen. Each session has its own cursor and pulls
from the ring (or, when it is further behind, from the store) whatever lies after it, so there is
no gap and no duplicate by construction: the cursor only moves past events it has handled.
A session's outbox is bounded; a client that stalls is disconnected and resumes with
`after`, and never slows anyone else. A caught-up session of a socket that takes what it is given
runs no task of its own (server/live/session.py).

The hub composes the two: it makes the channels and the sessions (with the settings' limits) and
wires them together; neither of them refers back to it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Any, Callable

from ..settings import Settings
from ..store.base import EventStore
from .channel import Channel
from .frames import text_frame
from .notifier import Notifier
from .session import Session

log = logging.getLogger("ttx.live")

PRESENCE_EVERY = 10.0  # seconds between presence announcements to the other processes
PRESENCE_TTL = 3 * PRESENCE_EVERY  # a process not heard from for this long is gone

__all__ = ["Hub", "Channel", "Session"]


class Hub:
    def __init__(self, *, store: EventStore, notifier: Notifier, settings: Settings,
                 now: Callable[[], float] = time.time) -> None:
        self.store = store
        self.notifier = notifier
        self.settings = settings
        self._now = now  # the server's clock, for the time in heartbeats
        self.channels: dict[str, Channel] = {}
        self._unsubscribe: Callable[[], None] | None = None
        self._poller: asyncio.Task[None] | None = None
        self._heartbeats: asyncio.Task[None] | None = None
        self._refreshing: set[asyncio.Task[None]] = set()
        # exercise -> process -> (seats, when heard): presence in the other server processes
        self._remote: dict[str, dict[str, tuple[list[str], float]]] = {}

    async def start(self) -> None:
        self._unsubscribe = self.notifier.subscribe(self._on_hint)
        self.notifier.on_reconnect(self._on_reconnect)
        self.notifier.on_presence(self._on_presence)
        self._poller = asyncio.create_task(self._poll(), name="ttx-live-poll")
        self._heartbeats = asyncio.create_task(self._beat(), name="ttx-live-heartbeats")

    async def stop(self) -> None:
        if self._unsubscribe:
            self._unsubscribe()
        for task in (self._poller, self._heartbeats):
            if task:
                task.cancel()
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

    async def _beat(self) -> None:
        """Heartbeats for every session quiet for `ws_heartbeat_seconds`: one ticker for the
        process (a quarter of the period, so a quiet session hears one 1 to 1.25 periods after
        its last message), one message and one frame per tick for all of them."""
        every = self.settings.ws_heartbeat_seconds / 4
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(every)
            message = json.dumps({"type": "heartbeat", "time": self._now()})
            frame = text_frame(message.encode())
            now = loop.time()
            for channel in list(self.channels.values()):
                for s in list(channel.sessions):
                    s.beat(now, message, frame)

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

    def session(self, exercise_id: str, seat: str, cursor: int, send: Callable[[str], Any],
                close: Callable[[int, str], Any], send_frame: Callable[[bytes], bool] | None = None) -> Session:
        """A session for one socket, with this server's queue, stall and heartbeat settings (not
        attached yet)."""
        return Session(exercise_id, seat, cursor, send, close, queue_size=self.settings.ws_send_queue,
                       stall_seconds=self.settings.ws_stall_seconds, heartbeat=self.settings.ws_heartbeat_seconds,
                       send_frame=send_frame)

    async def attach(self, session: Session) -> Channel:
        channel = self.channels.get(session.exercise_id)
        if channel is None:
            heads = await self.store.heads([session.exercise_id])
            channel = self.channels.get(session.exercise_id)  # another session may have made it meanwhile
            if channel is None:
                channel = Channel(store=self.store, exercise_id=session.exercise_id,
                                  head=heads.get(session.exercise_id, 0), remote_presence=self.remote_presence)
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
