"""The event store on SQLAlchemy 2 (async): SQLite through aiosqlite, PostgreSQL through asyncpg.

Optimistic concurrency: an append updates the exercise's `head_seq` from the version the writer
read (`WHERE head_seq = :expected`) and inserts the events under the primary key
`(exercise_id, seq)`. A writer that lost the race changes no row, or hits the key, and gets
`ConcurrencyConflict`; its transaction leaves nothing behind.
"""

from __future__ import annotations

import asyncio
import gc
import json
import uuid
from contextlib import contextmanager
from types import MappingProxyType
from typing import Any, AsyncIterator, Sequence

from sqlalchemy import and_, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from ..domain.events import EVENT_VERSIONS, Event, format_timestamp, thaw, upcast
from . import tables as t
from .base import ConcurrencyConflict, ExerciseRecord, IdempotencyRecord, IdempotentResult, SeatRecord
from .chain import GENESIS, event_hash

try:  # orjson parses stored events several times faster; the stdlib is the fallback
    from orjson import loads as _loads
except ImportError:  # pragma: no cover
    _loads = json.loads

_EVENT_NS = uuid.UUID("6f1c7e9a-3d2b-4c5e-9a8f-0b1d2c3e4f50")
_COLUMNS = (t.events.c.seq, t.events.c.id, t.events.c.type, t.events.c.version, t.events.c.actor,
            t.events.c.exercise_time, t.events.c.recorded_at, t.events.c.audience, t.events.c.data, t.events.c.hash)


def dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def seal(exercise_id: str, events: Sequence[Event], prev_hash: str) -> tuple[list[Event], list[dict[str, Any]]]:
    """Give events their id and hash: the stored events and the rows to insert."""
    sealed: list[Event] = []
    rows: list[dict[str, Any]] = []
    for ev in events:
        event_id = ev.id or str(uuid.uuid5(_EVENT_NS, f"{exercise_id}/{ev.seq}"))
        env = ev.with_store_fields(exercise_id=exercise_id, id=event_id, hash="").envelope()
        h = ev.hash or event_hash(prev_hash, env)
        if ev.hash and event_hash(prev_hash, env) != ev.hash:
            raise ValueError(f"event {ev.seq} does not match its hash")
        prev_hash = h
        sealed.append(ev.with_store_fields(exercise_id=exercise_id, id=event_id, hash=h))
        rows.append({
            "exercise_id": exercise_id, "seq": ev.seq, "id": event_id, "type": ev.type, "version": ev.version,
            "actor": ev.actor, "exercise_time": ev.exercise_time, "recorded_at": int(round(ev.recorded_at * 1000)),
            "audience": dumps(list(ev.audience)) if ev.audience is not None else None,
            "data": dumps(env["data"]), "hash": h,
        })
    return sealed, rows


def row_to_event(exercise_id: str, row: Sequence[Any]) -> Event:
    seq, id_, type_, version, actor, exercise_time, recorded_ms, audience, data, hash_ = row
    payload = _loads(data)
    if version != EVENT_VERSIONS.get(type_, version):
        version, payload = upcast(type_, version, payload)
    return Event(type_, actor, MappingProxyType(payload), exercise_time, recorded_ms / 1000, seq,
                 tuple(_loads(audience)) if audience is not None else None, version, id_, hash_, exercise_id)


def row_to_raw_envelope(exercise_id: str, row: Sequence[Any]) -> dict[str, Any]:
    """The stored form, not upcast: what the hash covers and what an export carries."""
    seq, id_, type_, version, actor, exercise_time, recorded_ms, audience, data, hash_ = row
    return {"exercise_id": exercise_id, "seq": seq, "id": id_, "type": type_, "version": version, "actor": actor,
            "exercise_time": exercise_time, "recorded_at": format_timestamp(recorded_ms / 1000),
            "audience": json.loads(audience) if audience is not None else None, "data": json.loads(data), "hash": hash_}


class SqlEventStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name
        # SQLite has one writer at a time; queueing writers in-process avoids busy-waiting on the file lock.
        self._write_lock = asyncio.Lock() if self.dialect == "sqlite" else None

    async def close(self) -> None:
        await self.engine.dispose()

    # -- writing ------------------------------------------------------------------------------

    async def create_exercise(self, *, exercise_id: str, scenario_id: str, title: str, created_at: float,
                              seats: Sequence[tuple[str, str, str, str]], events: Sequence[Event],
                              read_only: bool = False, origin: dict[str, Any] | None = None,
                              status: str = "created", next_due_wall: float | None = None) -> list[Event]:
        sealed, rows = seal(exercise_id, events, GENESIS)
        async with self._writing():
            async with self.engine.begin() as conn:
                await conn.execute(insert(t.exercises).values(
                    id=exercise_id, scenario_id=scenario_id, title=title, created_at=created_at, read_only=read_only,
                    origin=dumps(origin) if origin is not None else None, head_seq=len(sealed),
                    head_hash=sealed[-1].hash if sealed else GENESIS, status=status, next_due_wall=next_due_wall))
                await conn.execute(insert(t.seats), [
                    {"exercise_id": exercise_id, "seat": seat, "kind": kind, "name": name, "token_hash": token_hash}
                    for seat, kind, name, token_hash in seats])
                if rows:
                    await self._insert_events(conn, rows)
        return sealed

    async def append(self, exercise_id: str, events: Sequence[Event], *, expected_version: int, prev_hash: str,
                     status: str, next_due_wall: float | None,
                     idempotency: IdempotencyRecord | None = None) -> list[Event]:
        if not events:
            return []
        if events[0].seq != expected_version + 1 or any(b.seq != a.seq + 1 for a, b in zip(events, events[1:])):
            raise ValueError("events must continue the stream without gaps")
        sealed, rows = seal(exercise_id, events, prev_hash)
        async with self._writing():
            try:
                async with self.engine.begin() as conn:
                    result = await conn.execute(
                        update(t.exercises)
                        .where(and_(t.exercises.c.id == exercise_id, t.exercises.c.head_seq == expected_version,
                                    t.exercises.c.read_only.is_(False)))
                        .values(head_seq=sealed[-1].seq, head_hash=sealed[-1].hash, status=status, next_due_wall=next_due_wall))
                    if result.rowcount != 1:
                        raise ConcurrencyConflict(f"{exercise_id} is no longer at seq {expected_version}")
                    await self._insert_events(conn, rows)
                    if idempotency is not None:
                        await conn.execute(insert(t.idempotency).values(
                            exercise_id=exercise_id, seat=idempotency.seat, key=idempotency.key,
                            request_hash=idempotency.request_hash, first_seq=sealed[0].seq, last_seq=sealed[-1].seq,
                            created_at=events[0].recorded_at))
            except IntegrityError as exc:
                raise ConcurrencyConflict(str(exc.orig)) from exc
        return sealed

    async def _insert_events(self, conn, rows: list[dict[str, Any]]) -> None:
        await conn.execute(insert(t.events), rows)

    def _writing(self):
        return self._write_lock if self._write_lock is not None else _nullcontext()

    async def save_snapshot(self, exercise_id: str, seq: int, fmt: int, state: str) -> None:
        async with self._writing():
            try:
                async with self.engine.begin() as conn:
                    await conn.execute(insert(t.snapshots).values(exercise_id=exercise_id, seq=seq, format=fmt, state=state))
            except IntegrityError:
                pass  # another process saved the same snapshot

    # -- reading ------------------------------------------------------------------------------

    async def read(self, exercise_id: str, *, after: int = 0, upto: int | None = None,
                   limit: int | None = None) -> list[Event]:
        q = select(*_COLUMNS).where(t.events.c.exercise_id == exercise_id, t.events.c.seq > after)
        if upto is not None:
            q = q.where(t.events.c.seq <= upto)
        q = q.order_by(t.events.c.seq)
        if limit is not None:
            q = q.limit(limit)
        async with self.engine.connect() as conn:
            rows = (await conn.execute(q)).all()
        with _bulk(len(rows)):
            return [row_to_event(exercise_id, r) for r in rows]

    async def read_raw(self, exercise_id: str, *, batch: int = 1000) -> AsyncIterator[list[dict[str, Any]]]:
        after = 0
        while True:
            q = (select(*_COLUMNS).where(t.events.c.exercise_id == exercise_id, t.events.c.seq > after)
                 .order_by(t.events.c.seq).limit(batch))
            async with self.engine.connect() as conn:
                rows = (await conn.execute(q)).all()
            if not rows:
                return
            yield [row_to_raw_envelope(exercise_id, r) for r in rows]
            after = rows[-1][0]

    async def exercise(self, exercise_id: str) -> ExerciseRecord | None:
        async with self.engine.connect() as conn:
            row = (await conn.execute(select(t.exercises).where(t.exercises.c.id == exercise_id))).first()
        return _exercise_record(row) if row is not None else None

    async def list_exercises(self, limit: int = 100) -> list[ExerciseRecord]:
        async with self.engine.connect() as conn:
            rows = (await conn.execute(select(t.exercises).order_by(t.exercises.c.created_at.desc()).limit(limit))).all()
        return [_exercise_record(r) for r in rows]

    async def seat_for_token(self, token_hash: str) -> SeatRecord | None:
        async with self.engine.connect() as conn:
            row = (await conn.execute(select(t.seats.c.exercise_id, t.seats.c.seat, t.seats.c.kind, t.seats.c.name)
                                      .where(t.seats.c.token_hash == token_hash))).first()
        return SeatRecord(*row) if row is not None else None

    async def idempotent_result(self, exercise_id: str, seat: str, key: str) -> IdempotentResult | None:
        async with self.engine.connect() as conn:
            row = (await conn.execute(select(t.idempotency.c.request_hash, t.idempotency.c.first_seq, t.idempotency.c.last_seq)
                                      .where(t.idempotency.c.exercise_id == exercise_id, t.idempotency.c.seat == seat,
                                             t.idempotency.c.key == key))).first()
            if row is None:
                return None
            rows = (await conn.execute(select(*_COLUMNS).where(
                t.events.c.exercise_id == exercise_id, t.events.c.seq >= row.first_seq, t.events.c.seq <= row.last_seq)
                .order_by(t.events.c.seq))).all()
        return IdempotentResult(row.request_hash, [row_to_event(exercise_id, r) for r in rows])

    async def load_snapshot(self, exercise_id: str, *, upto: int | None = None) -> tuple[int, int, str] | None:
        q = select(t.snapshots.c.seq, t.snapshots.c.format, t.snapshots.c.state).where(t.snapshots.c.exercise_id == exercise_id)
        if upto is not None:
            q = q.where(t.snapshots.c.seq <= upto)
        async with self.engine.connect() as conn:
            row = (await conn.execute(q.order_by(t.snapshots.c.seq.desc()).limit(1))).first()
        return (row.seq, row.format, row.state) if row is not None else None

    async def seq_at_time(self, exercise_id: str, exercise_time: float) -> int:
        q = select(func.max(t.events.c.seq)).where(t.events.c.exercise_id == exercise_id,
                                                   t.events.c.exercise_time <= exercise_time)
        async with self.engine.connect() as conn:
            return (await conn.execute(q)).scalar() or 0

    async def due_exercises(self, now_wall: float, limit: int = 100) -> list[str]:
        q = (select(t.exercises.c.id).where(t.exercises.c.next_due_wall.is_not(None), t.exercises.c.next_due_wall <= now_wall)
             .order_by(t.exercises.c.next_due_wall).limit(limit))
        async with self.engine.connect() as conn:
            return [r[0] for r in (await conn.execute(q)).all()]

    async def next_due_wall(self) -> float | None:
        async with self.engine.connect() as conn:
            return (await conn.execute(select(func.min(t.exercises.c.next_due_wall)))).scalar()

    async def heads(self, exercise_ids: Sequence[str]) -> dict[str, int]:
        if not exercise_ids:
            return {}
        async with self.engine.connect() as conn:
            rows = (await conn.execute(select(t.exercises.c.id, t.exercises.c.head_seq)
                                       .where(t.exercises.c.id.in_(list(exercise_ids))))).all()
        return {r[0]: r[1] for r in rows}


def _exercise_record(row: Any) -> ExerciseRecord:
    return ExerciseRecord(id=row.id, scenario_id=row.scenario_id, title=row.title, created_at=row.created_at,
                          read_only=bool(row.read_only), origin=json.loads(row.origin) if row.origin else None,
                          head_seq=row.head_seq, head_hash=row.head_hash, status=row.status)


@contextmanager
def _bulk(n: int):
    """Building many small objects at once: keep the cyclic garbage collector from running over and
    over in the middle (events hold no cycles; it runs once, afterwards, if it needs to)."""
    if n < 2000 or not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


class _nullcontext:
    async def __aenter__(self) -> None:
        return None

    async def __aexit__(self, *exc: object) -> None:
        return None
