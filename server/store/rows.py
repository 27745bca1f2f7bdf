"""Rows <-> events, shared by both store implementations: sealing (ids and the hash chain), decoding
stored rows (upcast on the way out), the raw stored form for exports, and the SQL they share."""

from __future__ import annotations

import gc
import hashlib
import json
import uuid
from contextlib import contextmanager
from functools import lru_cache
from types import MappingProxyType
from typing import Any, Iterator, Sequence

from ..domain.events import EVENT_VERSIONS, Event, format_timestamp, thaw, upcast
from .base import ExerciseRecord
from .chain import canonical_body, canonical_json, chain

try:  # orjson parses stored events several times faster; the stdlib is the fallback
    from orjson import loads as _loads
except ImportError:  # pragma: no cover
    _loads = json.loads

_EVENT_NS = uuid.UUID("6f1c7e9a-3d2b-4c5e-9a8f-0b1d2c3e4f50")
EVENT_COLUMNS = "seq, id, type, version, actor, exercise_time, recorded_at, audience, data, hash"
INSERT_EVENT = ("INSERT INTO events (exercise_id, seq, id, type, version, actor, exercise_time, recorded_at, audience, data, hash) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
ADVANCE_HEAD = ("UPDATE exercises SET head_seq = ?, head_hash = ?, status = ?, next_due_wall = ? "
                "WHERE id = ? AND head_seq = ? AND read_only = ?")
INSERT_IDEMPOTENCY = ("INSERT INTO idempotency_keys (exercise_id, seat, key, request_hash, first_seq, last_seq, created_at) "
                      "VALUES (?, ?, ?, ?, ?, ?, ?)")
EXERCISE_COLUMNS = "id, scenario_id, title, created_at, read_only, origin, head_seq, head_hash, status"


def event_row(row: dict[str, Any]) -> tuple[Any, ...]:
    """A sealed row as positional parameters for INSERT_EVENT."""
    return (row["exercise_id"], row["seq"], row["id"], row["type"], row["version"], row["actor"], row["exercise_time"],
            row["recorded_at"], row["audience"], row["data"], row["hash"])


def exercise_record(row: Sequence[Any]) -> ExerciseRecord:
    id_, scenario_id, title, created_at, read_only, origin, head_seq, head_hash, status = row
    return ExerciseRecord(id=id_, scenario_id=scenario_id, title=title, created_at=created_at, read_only=bool(read_only),
                          origin=json.loads(origin) if origin else None, head_seq=head_seq, head_hash=head_hash,
                          status=status)


def dollar(sql: str) -> str:
    """`?` placeholders -> asyncpg's `$1, $2, ...`."""
    out, n = [], 0
    for ch in sql:
        if ch == "?":
            n += 1
            out.append(f"${n}")
        else:
            out.append(ch)
    return "".join(out)


@contextmanager
def bulk(n: int) -> Iterator[None]:
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


def events_from_rows(exercise_id: str, rows: Sequence[Sequence[Any]]) -> list[Event]:
    with bulk(len(rows)):
        return [row_to_event(exercise_id, r) for r in rows]


def dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


_timestamp = lru_cache(maxsize=256)(format_timestamp)  # the events of one append share their recorded_at
_NS_BYTES = _EVENT_NS.bytes


def event_uuid(exercise_id: str, seq: int) -> str:
    """`str(uuid.uuid5(_EVENT_NS, f"{exercise_id}/{seq}"))`, without building UUID objects."""
    digest = bytearray(hashlib.sha1(_NS_BYTES + f"{exercise_id}/{seq}".encode("utf-8")).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50
    digest[8] = (digest[8] & 0x3F) | 0x80
    h = digest.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def seal(exercise_id: str, events: Sequence[Event], prev_hash: str) -> tuple[list[Event], list[dict[str, Any]]]:
    """Give events their id and hash: the stored events and the rows to insert."""
    sealed: list[Event] = []
    rows: list[dict[str, Any]] = []
    for ev in events:
        event_id = ev.id or event_uuid(exercise_id, ev.seq)
        audience = list(ev.audience) if ev.audience is not None else None
        data_json = canonical_json(thaw(ev.data)).decode("utf-8")  # stored as hashed: keys sorted
        h = chain(prev_hash, canonical_body(seq=ev.seq, id=event_id, type=ev.type, version=ev.version, actor=ev.actor,
                                            exercise_time=ev.exercise_time, recorded_at=_timestamp(ev.recorded_at),
                                            audience=audience, data_json=data_json))
        if ev.hash and h != ev.hash:
            raise ValueError(f"event {ev.seq} does not match its hash")
        prev_hash = h
        sealed.append(ev._replace(exercise_id=exercise_id, id=event_id, hash=h))
        rows.append({
            "exercise_id": exercise_id, "seq": ev.seq, "id": event_id, "type": ev.type, "version": ev.version,
            "actor": ev.actor, "exercise_time": ev.exercise_time, "recorded_at": int(round(ev.recorded_at * 1000)),
            "audience": dumps(audience) if audience is not None else None, "data": data_json, "hash": h,
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


