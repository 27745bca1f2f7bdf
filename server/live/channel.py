"""One live exercise in this process: its head seq and a ring of recent events, refreshed by one
store read per notification however many sessions listen, and handed to the sessions.

A batch of new events is encoded once, not once per connection: each event's message is serialised
once, and as one WebSocket frame once; the sessions that are caught up get, for their seat, the
frames of the events that seat may see (`can_see`, the one visibility rule), joined once per set of
visible events, so every seat that sees the same events is sent the same bytes.

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
from ..domain.visibility import can_see
from ..store.base import EventStore
from .frames import text_frame

RING_SIZE = 2000
READ_PAGE = 500


class Subscriber(Protocol):
    """What a channel needs of a connected session."""

    seat: str
    cursor: int  # the last seq this subscriber has handled
    ready: bool  # counted in presence

    def hand_off(self, channel: Channel, events: list[Event], frames: bytes) -> None: ...
    def fall_behind(self, channel: Channel) -> None: ...  # there are events past the cursor: catch up
    def offer(self, message: str, frame: bytes | None = None) -> None: ...


class Channel:
    def __init__(self, *, store: EventStore, exercise_id: str, head: int,
                 remote_presence: Callable[[str], set[str]] = lambda _exercise_id: set()) -> None:
        self.store = store
        self.exercise_id = exercise_id
        self.head = head
        self.ring: deque[Event] = deque(maxlen=RING_SIZE)
        self._frames: dict[int, bytes] = {}  # seq -> the `event` message as a text frame, made once for every session
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
                if len(self._frames) > 2 * RING_SIZE:
                    oldest = self.ring[0].seq
                    self._frames = {k: v for k, v in self._frames.items() if k >= oldest}
                views: dict[str, bytes] = {}  # seat -> the frames of the batch it may see
                joined: dict[tuple[int, ...], bytes] = {}  # the same visible events -> the same bytes
                for session in list(self.sessions):
                    if session.cursor == previous:  # caught up: take the new events straight away
                        frames = views.get(session.seat)
                        if frames is None:
                            frames = views[session.seat] = self._view(batch, session.seat, joined)
                        session.hand_off(self, batch, frames)
                    if session.cursor < self.head:
                        session.fall_behind(self)  # behind (or its queue is full): it catches up from the cursor
                if len(batch) < READ_PAGE:
                    return

    def _view(self, batch: list[Event], seat: str, joined: dict[tuple[int, ...], bytes]) -> bytes:
        seen = [ev for ev in batch if can_see(ev.audience, seat)]
        key = tuple(ev.seq for ev in seen)
        frames = joined.get(key)
        if frames is None:
            frames = joined[key] = self.frame(seen[0]) if len(seen) == 1 else b"".join(self.frame(ev) for ev in seen)
        return frames

    def frame(self, event: Event) -> bytes:
        """The `event` message for `event` as a text frame: identical for every seat that may see
        it, so made once."""
        frame = self._frames.get(event.seq)
        if frame is None:
            frame = text_frame(event_message(event))
            if self.ring and event.seq >= self.ring[0].seq:
                self._frames[event.seq] = frame
        return frame

    def message(self, event: Event) -> str:
        """The `event` message for `event`, as text (for a session that cannot take the frame)."""
        return frame_text(self.frame(event))

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
        frame = text_frame(message.encode())
        for s in list(self.sessions):
            s.offer(message, frame)


def event_message(event: Event) -> bytes:
    return orjson.dumps({"type": "event", "event": event.envelope()})


def frame_text(frame: bytes) -> str:
    """The text of an unmasked, unfragmented text frame (`text_frame`)."""
    length = frame[1] & 0x7F
    return frame[2 if length < 126 else 4 if length == 126 else 10:].decode()
