"""Rows <-> events, shared by both store implementations: sealing (ids and the hash chain), decoding
stored rows (upcast on the way out), the raw stored form for exports, and the SQL they share."""

from __future__ import annotations

import gc
import json
from contextlib import contextmanager
from functools import lru_cache
from types import MappingProxyType
from typing import Any, Iterator, Sequence

from ..domain.events import Event, format_timestamp, thaw, upcast
from ..domain.registry import REGISTRY
from .base import ExerciseRecord
from .chain import canonical_body, chain, event_id_from_nonce, new_nonce
from .sealed import SealedEvent, nonce_of

try:  # orjson parses stored events several times faster; the stdlib is the fallback
    from orjson import loads as _loads
except ImportError:  # pragma: no cover
    _loads = json.loads

EVENT_ROW_COLUMNS = ("exercise_id", "seq", "id", "type", "version", "actor", "exercise_time", "recorded_at", "audience",
                     "data", "hash", "nonce")  # the order of INSERT_EVENT's parameters and of a sealed row
EVENT_COLUMNS = "seq, id, type, version, actor, exercise_time, recorded_at, audience, data, hash, nonce"
INSERT_EVENT = ("INSERT INTO events (exercise_id, seq, id, type, version, actor, exercise_time, recorded_at, audience, data, hash, "
                "nonce) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
EXERCISE_COLUMNS = "id, scenario_id, title, created_at, read_only, origin, head_seq, head_hash, status"


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


_dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode


def dumps(value: Any) -> str:
    return _dumps(value)


@lru_cache(maxsize=64)
def _second(epoch_second: int) -> str:
    return format_timestamp(epoch_second)[:-5]  # `2026-11-27T10:15:02`


def _timestamp(epoch: float) -> str:
    """`format_timestamp(epoch)`, the date and time of day worked out once per second (the events
    recorded in one second share them): the same text (a test compares the two)."""
    ms = int(round(epoch * 1000))
    return f"{_second(ms // 1000)}.{ms % 1000:03d}Z"


def _plain(value: Any) -> Any:
    """What the encoder below is given for a value it cannot write itself: a frozen mapping's dict
    (its values, a mapping or a list inside, are the encoder's again), anything else thawed."""
    if type(value) is MappingProxyType:
        return dict(value)
    plain = thaw(value)
    if plain is value:
        raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")
    return plain


_canonical_data = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False,
                                   default=_plain).encode
# `canonical_json(thaw(...)).decode()`: keys sorted, no spaces, UTF-8, no NaN; the encoder made once
# rather than by every json.dumps call, and event data (a mapping proxy) written without a thawed copy


_new_sealed = tuple.__new__


def seal(exercise_id: str, events: Sequence[Event], prev_hash: str) -> tuple[list[SealedEvent], list[tuple[Any, ...]]]:
    """Give events their nonce, id and hash: the stored events and the rows to insert (INSERT_EVENT's
    parameters, in EVENT_ROW_COLUMNS order).

    A new event (no hash yet) gets a fresh nonce and the id derived from it (server/store/chain.py).
    A copied one (a fork's or an import's, with its hash) keeps its id and nonce, or its lack of
    one (chain format 0), and must match its hash."""
    sealed: list[SealedEvent] = []
    rows: list[tuple[Any, ...]] = []
    for ev in events:
        if ev.hash:
            nonce = nonce_of(ev)
            event_id = ev.id
        else:
            nonce = new_nonce()
            event_id = ev.id or event_id_from_nonce(nonce)
        audience = list(ev.audience) if ev.audience is not None else None
        data_json = _canonical_data(ev.data)  # stored as hashed: keys sorted
        h = chain(prev_hash, canonical_body(seq=ev.seq, id=event_id, type=ev.type, version=ev.version, actor=ev.actor,
                                            exercise_time=ev.exercise_time, recorded_at=_timestamp(ev.recorded_at),
                                            audience=audience, data_json=data_json, nonce=nonce))
        if ev.hash and h != ev.hash:
            raise ValueError(f"event {ev.seq} does not match its hash")
        prev_hash = h
        sealed.append(_new_sealed(SealedEvent, (ev.type, ev.actor, ev.data, ev.exercise_time, ev.recorded_at, ev.seq,
                                                ev.audience, ev.version, event_id, h, exercise_id, nonce)))
        rows.append((exercise_id, ev.seq, event_id, ev.type, ev.version, ev.actor, ev.exercise_time,
                     int(round(ev.recorded_at * 1000)), dumps(audience) if audience is not None else None, data_json, h,
                     nonce))
    return sealed, rows




_EVENT_TYPES = REGISTRY.events


def row_to_event(exercise_id: str, row: Sequence[Any]) -> SealedEvent:
    seq, id_, type_, version, actor, exercise_time, recorded_ms, audience, data, hash_, nonce = row
    payload = _loads(data)
    spec = _EVENT_TYPES.get(type_)  # the registry's dict itself: a read looks up every row's type
    if spec is not None and version != spec.version:
        version, payload = upcast(type_, version, payload)
    return _new_sealed(SealedEvent, (type_, actor, MappingProxyType(payload), exercise_time, recorded_ms / 1000, seq,
                                     tuple(_loads(audience)) if audience is not None else None, version, id_, hash_,
                                     exercise_id, nonce))


def row_to_raw_envelope(exercise_id: str, row: Sequence[Any]) -> dict[str, Any]:
    """The stored form, not upcast: what the hash covers and what an export carries."""
    seq, id_, type_, version, actor, exercise_time, recorded_ms, audience, data, hash_, nonce = row
    return {"exercise_id": exercise_id, "seq": seq, "id": id_, "type": type_, "version": version, "actor": actor,
            "exercise_time": exercise_time, "recorded_at": format_timestamp(recorded_ms / 1000),
            "audience": json.loads(audience) if audience is not None else None, "data": json.loads(data), "hash": hash_,
            "nonce": nonce}
