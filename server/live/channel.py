"""One live exercise in this process: its head seq and a ring of recent events, refreshed by one
store read per notification however many sessions listen, and handed to the sessions.

The channel knows its sessions only as `Subscriber`s (the few things it asks of them) and the rest
of the process only through the store and a `remote_presence` callable, so it imports neither the
session nor the hub: they depend on it, never the other way round.
"""

from __future__ import annotations

import asyncio
import json
from collections import deque
from typing import Callable, Protocol

import orjson

from ..domain.events import Event
from ..store.base import EventStore

RING_SIZE = 2000
READ_PAGE = 500


class Subscriber(Protocol):
    """What a channel needs of a connected session."""

    seat: str
    cursor: int  # the last seq this subscriber has handled
    ready: bool  # counted in presence
    wakeup: asyncio.Event  # set when the channel has events past the cursor

    def hand_off(self, channel: Channel, events: list[Event]) -> None: ...
    def offer(self, message: str) -> None: ...


class Channel:
    def __init__(self, *, store: EventStore, exercise_id: str, head: int,
                 remote_presence: Callable[[str], set[str]] = lambda _exercise_id: set()) -> None:
        self.store = store
        self.exercise_id = exercise_id
        self.head = head
        self.ring: deque[Event] = deque(maxlen=RING_SIZE)
        self._messages: dict[int, str] = {}  # seq -> the `event` message, serialised once for every session
        self.sessions: set[Subscriber] = set()
        self._remote_presence = remote_presence
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

    async def events_after(self, cursor: int) -> list[Event]:
        """Events after `cursor` up to the head: from the ring, or one page from the store for a
        subscriber that is further behind than the ring reaches."""
        events = self.read_after(cursor)
        if events is None:
            events = await self.store.read(self.exercise_id, after=cursor, upto=self.head, limit=READ_PAGE)
        return events

    async def refresh(self, hint: int | None = None) -> None:
        """Read what was committed after our head (one read, whoever asks)."""
        if hint is not None and hint <= self.head:
            return
        async with self._lock:
            while True:
                batch = await self.store.read(self.exercise_id, after=self.head, limit=READ_PAGE)
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
        return sorted(set(self.local_presence()) | self._remote_presence(self.exercise_id))

    def broadcast_presence(self) -> None:
        online = self.presence()
        if online == self._last_presence:
            return
        self._last_presence = online
        message = json.dumps({"type": "presence", "online": online})
        for s in list(self.sessions):
            s.offer(message)


def event_message(event: Event) -> str:
    return orjson.dumps({"type": "event", "event": event.envelope()}).decode()
