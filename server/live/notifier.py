"""Notifiers carry one hint: "exercise X reached seq N". Never an event body.

Whoever receives a hint reads the store after its own cursor, so a lost hint costs latency, never an
event. `MemoryNotifier` serves one process (SQLite); `PostgresNotifier` uses LISTEN/NOTIFY so that
every server process on one database hears every commit. Both run the same contract tests.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import secrets
from typing import Callable, Protocol

log = logging.getLogger("ttx.live")

Listener = Callable[[str, int], None]
ReconnectListener = Callable[[], None]
PresenceListener = Callable[[str, str, list[str]], None]  # (process, exercise, seats)
CHANNEL = "ttx_events"
PRESENCE_CHANNEL = "ttx_presence"
_PAYLOAD = re.compile(r"^(ex_[A-Za-z0-9_\-]{1,36}):(\d{1,12})$")


class Notifier(Protocol):
    process: str  # this process's name on the bus, so it can ignore its own presence

    async def start(self) -> None: ...
    async def stop(self) -> None: ...
    async def publish(self, exercise_id: str, seq: int) -> None: ...
    def subscribe(self, listener: Listener) -> Callable[[], None]: ...
    def on_reconnect(self, listener: ReconnectListener) -> None: ...
    async def publish_presence(self, exercise_id: str, seats: list[str]) -> None: ...
    def on_presence(self, listener: PresenceListener) -> None: ...


class _Listeners:
    def __init__(self) -> None:
        self._listeners: list[Listener] = []
        self._reconnect: list[ReconnectListener] = []
        self._presence: list[PresenceListener] = []
        self.process = secrets.token_hex(6)

    def on_presence(self, listener: PresenceListener) -> None:
        self._presence.append(listener)

    def _presence_heard(self, process: str, exercise_id: str, seats: list[str]) -> None:
        if process == self.process:
            return
        for listener in list(self._presence):
            try:
                listener(process, exercise_id, seats)
            except Exception:  # pragma: no cover
                log.exception("presence listener failed")

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def on_reconnect(self, listener: ReconnectListener) -> None:
        self._reconnect.append(listener)

    def _deliver(self, exercise_id: str, seq: int) -> None:
        for listener in list(self._listeners):
            try:
                listener(exercise_id, seq)
            except Exception:  # pragma: no cover - a listener's bug must not stop the others
                log.exception("notification listener failed")

    def _reconnected(self) -> None:
        for listener in list(self._reconnect):
            try:
                listener()
            except Exception:  # pragma: no cover
                log.exception("reconnect listener failed")


class MemoryNotifier(_Listeners):
    """In-process hub: publish calls every listener directly."""

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def publish(self, exercise_id: str, seq: int) -> None:
        self._deliver(exercise_id, seq)

    async def publish_presence(self, exercise_id: str, seats: list[str]) -> None:
        return None  # one process: the hub already knows


def encode(exercise_id: str, seq: int) -> str:
    return f"{exercise_id}:{seq}"


def decode(payload: str) -> tuple[str, int] | None:
    m = _PAYLOAD.match(payload)
    return (m[1], int(m[2])) if m else None


class PostgresNotifier(_Listeners):
    """LISTEN on one dedicated connection, re-established with back-off when lost; after every
    (re)connection the reconnect listeners run, so subscribers catch up from the store."""

    def __init__(self, dsn: str, channel: str = CHANNEL, *, retry_max: float = 5.0) -> None:
        super().__init__()
        self.dsn = dsn
        self.channel = channel
        self.retry_max = retry_max
        self._task: asyncio.Task[None] | None = None
        self._listen_conn = None
        self._publish_conn = None
        self._publish_lock = asyncio.Lock()
        self._unsent: dict[str, int] = {}  # exercise -> the latest seq not yet sent to the other processes
        self._sender: asyncio.Task[None] | None = None
        self.connected = asyncio.Event()
        self.connections_made = 0

    async def start(self) -> None:
        self._task = asyncio.create_task(self._listen_forever(), name="ttx-pg-listen")
        try:
            await asyncio.wait_for(self.connected.wait(), timeout=10)
        except asyncio.TimeoutError:
            log.warning("LISTEN connection not up yet; live updates fall back to polling until it is")

    async def stop(self) -> None:
        if self._sender is not None and not self._sender.done():  # the last hints go out first
            try:
                await asyncio.wait_for(asyncio.shield(self._sender), timeout=2)
            except (asyncio.TimeoutError, Exception):
                self._sender.cancel()
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except (asyncio.CancelledError, Exception):
                pass
        for conn in (self._listen_conn, self._publish_conn):
            if conn is not None and not conn.is_closed():
                try:
                    await asyncio.wait_for(conn.close(), timeout=2)
                except Exception:
                    conn.terminate()

    def _on_notify(self, _conn, _pid, _channel, payload: str) -> None:
        parsed = decode(payload)
        if parsed is not None:
            self._deliver(*parsed)

    def _on_presence(self, _conn, _pid, _channel, payload: str) -> None:
        try:
            msg = json.loads(payload)
            process, exercise_id, seats = msg["p"], msg["e"], msg["s"]
        except (ValueError, KeyError, TypeError):
            return
        if isinstance(process, str) and _PAYLOAD.match(f"{exercise_id}:0") and isinstance(seats, list):
            self._presence_heard(process, exercise_id, [s for s in seats if isinstance(s, str)][:64])

    async def _listen_forever(self) -> None:
        import asyncpg

        delay = 0.1
        while True:
            lost = asyncio.Event()
            try:
                conn = await asyncpg.connect(self.dsn, timeout=5)
                self._listen_conn = conn
                conn.add_termination_listener(lambda _c: lost.set())
                await conn.add_listener(self.channel, self._on_notify)
                await conn.add_listener(PRESENCE_CHANNEL, self._on_presence)
                self.connections_made += 1
                self.connected.set()
                delay = 0.1
                self._reconnected()  # catch up on whatever was committed while we were not listening
                while not lost.is_set():
                    try:
                        await asyncio.wait_for(lost.wait(), timeout=5)
                    except asyncio.TimeoutError:
                        # a quiet connection can die without telling us: ask it something
                        try:
                            await asyncio.wait_for(conn.fetchval("SELECT 1"), timeout=5)
                        except Exception:
                            lost.set()
                log.warning("LISTEN connection lost; reconnecting")
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("LISTEN connection failed (%s); retrying in %.1fs", exc.__class__.__name__, delay)
            finally:
                self.connected.clear()
                if self._listen_conn is not None:
                    self._listen_conn.terminate()
                    self._listen_conn = None
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.retry_max)

    async def publish(self, exercise_id: str, seq: int) -> None:
        """Deliver the hint here at once and send it to the other processes in the background: a
        command does not wait for the NOTIFY (a round trip, and a commit PostgreSQL flushes to disk),
        and hints for one exercise sent while one is on its way are merged into the latest seq
        (a hint says only "X is at seq N"; a receiver reads from its own cursor on)."""
        self._deliver(exercise_id, seq)  # this process's own subscribers need not wait for the round trip
        if seq > self._unsent.get(exercise_id, 0):
            self._unsent[exercise_id] = seq
        if self._sender is None or self._sender.done():
            self._sender = asyncio.get_running_loop().create_task(self._send_unsent(), name="ttx-pg-notify")

    async def _send_unsent(self) -> None:
        while self._unsent:
            exercise_id = next(iter(self._unsent))
            seq = self._unsent.pop(exercise_id)
            await self._notify(self.channel, encode(exercise_id, seq))

    async def publish_presence(self, exercise_id: str, seats: list[str]) -> None:
        await self._notify(PRESENCE_CHANNEL, json.dumps({"p": self.process, "e": exercise_id, "s": seats}))

    async def _notify(self, channel: str, payload: str) -> None:
        import asyncpg

        async with self._publish_lock:
            for _ in range(2):
                try:
                    if self._publish_conn is None or self._publish_conn.is_closed():
                        self._publish_conn = await asyncpg.connect(self.dsn, timeout=5)
                    await self._publish_conn.execute("SELECT pg_notify($1, $2)", channel, payload)
                    return
                except Exception as exc:
                    log.warning("NOTIFY failed (%s); other processes will catch up by polling", exc.__class__.__name__)
                    if self._publish_conn is not None:
                        self._publish_conn.terminate()
                    self._publish_conn = None
