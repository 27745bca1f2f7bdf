"""One line of an imported log, checked as an envelope: the right fields, of the right types, within
the bounds the store and the readers rely on. Pure; used by the streamed import (importing.py).

A checked line becomes the row the store inserts (the data serialised once, canonically, for the
hash and the row alike, as `seal` does) and the stored event the import folds. Anything else is
`BadEvent`, which names the seq, the line and the field.

The bounds are those of the schema (server/store/tables.py) and of the readers: an `exercise_time`
beyond `MAX_EXERCISE_TIME` (about 31 years) broke `GET /state` with an OverflowError; a
`recorded_at` not in the canonical form would be stored as epoch milliseconds and exported
differently from how it was hashed.
"""

from __future__ import annotations

import calendar
import math
import re
from datetime import datetime
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Mapping

from ..domain.events import EVENT_VERSIONS
from ..store import tables
from ..store.chain import canonical_body, canonical_json, chain
from ..store.rows import dumps
from ..store.sealed import SealedEvent

MAX_EXERCISE_TIME = 1e9  # seconds of exercise clock: the bound `GET /state?at_time=` takes too
MAX_AUDIENCE = 1000  # seats named in one event's audience
MAX_VERSION = 1000
_ID_LEN = tables.events.c.id.type.length  # 36
_TYPE_LEN = tables.events.c.type.type.length  # 64
_ACTOR_LEN = tables.events.c.actor.type.length  # 32
_SEAT = re.compile(r"[A-Za-z0-9_-]{1,%d}" % _ACTOR_LEN)
_HEX64 = re.compile(r"[0-9a-f]{64}")
_NONCE = re.compile(r"[0-9a-f]{32,64}")  # at least 128 bits
_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z")


class BadEvent(ValueError):
    def __init__(self, seq: int, line: int | None, field: str, reason: str) -> None:
        where = f"seq {seq}" + (f" (line {line})" if line is not None else "")
        super().__init__(f"event {where}: {field}: {reason}")
        self.seq, self.line, self.field, self.reason = seq, line, field, reason


@dataclass(frozen=True, slots=True)
class CheckedEvent:
    event: SealedEvent  # the stored form (not upcast), as a read of the row would give it
    row: tuple[Any, ...]  # the INSERT_EVENT parameters, without the exercise id (the import adds it)


def _is_int(v: Any) -> bool:
    return type(v) is int


def check_envelope(env: Mapping[str, Any], *, seq: int, line: int | None, prev_hash: str,
                   aliases: Mapping[str, int] | None = None) -> CheckedEvent:
    """`env` as the event with seq `seq` chained after `prev_hash`, or `BadEvent` (the first field
    that is wrong). The seq itself is checked by the caller (a wrong one is a break in the chain).
    `aliases`: the event types the log's scenario records under its own names (alias type -> the
    highest version, the generic type's). Raises `HashMismatch` when every field is sound but the
    hash is not the event's."""

    def bad(field: str, reason: str) -> BadEvent:
        return BadEvent(seq, line, field, reason)

    event_id = env.get("id")
    if type(event_id) is not str or not 1 <= len(event_id) <= _ID_LEN:
        raise bad("id", f"a string of 1 to {_ID_LEN} characters")
    type_ = env.get("type")
    if type(type_) is not str or len(type_) > _TYPE_LEN:
        raise bad("type", f"a string of at most {_TYPE_LEN} characters")
    highest = EVENT_VERSIONS.get(type_) or (aliases or {}).get(type_)
    if highest is None:
        raise bad("type", "not an event type this server records, nor one the log's scenario names")
    version = env.get("version")
    if not _is_int(version) or not 1 <= version <= min(MAX_VERSION, highest):
        raise bad("version", f"an integer from 1 to {highest} for {type_}")
    actor = env.get("actor")
    if type(actor) is not str or not _SEAT.fullmatch(actor):
        raise bad("actor", f"a seat id (letters, digits, _ and -, at most {_ACTOR_LEN})")
    t = env.get("exercise_time")
    if type(t) is not float or not math.isfinite(t) or not 0.0 <= t <= MAX_EXERCISE_TIME or math.copysign(1.0, t) < 0:
        raise bad("exercise_time", f"a number with a decimal point from 0.0 to {MAX_EXERCISE_TIME:.0f} (seconds)")
    recorded_at = env.get("recorded_at")
    recorded_ms = _recorded_ms(recorded_at)
    if recorded_ms is None:
        raise bad("recorded_at", "a UTC time as exported, e.g. 2026-11-27T10:15:02.123Z")
    audience = env.get("audience")
    if audience is not None:
        if type(audience) is not list or len(audience) > MAX_AUDIENCE:
            raise bad("audience", f"null (everyone) or a list of at most {MAX_AUDIENCE} seat ids")
        if not all(type(s) is str and _SEAT.fullmatch(s) for s in audience):
            raise bad("audience", "every entry a seat id")
    data = env.get("data")
    if type(data) is not dict:
        raise bad("data", "an object")
    claimed = env.get("hash")
    if type(claimed) is not str or not _HEX64.fullmatch(claimed):
        raise bad("hash", "64 lowercase hex digits")
    nonce = env.get("nonce")
    if nonce is not None and (type(nonce) is not str or not _NONCE.fullmatch(nonce)):
        raise bad("nonce", "null (a log from before the nonce) or 32 to 64 lowercase hex digits")
    try:
        data_json = canonical_json(data).decode("utf-8")
    except (ValueError, TypeError, RecursionError) as exc:
        raise bad("data", f"cannot be serialised: {exc.__class__.__name__}") from exc
    computed = chain(prev_hash, canonical_body(seq=seq, id=event_id, type=type_, version=version, actor=actor,
                                               exercise_time=t, recorded_at=recorded_at, audience=audience,
                                               data_json=data_json, nonce=nonce))
    if computed != claimed:
        raise HashMismatch(seq, line)
    audience_t = tuple(audience) if audience is not None else None
    event = SealedEvent(type_, actor, MappingProxyType(data), t, recorded_ms / 1000, seq, audience_t, version, event_id,
                        claimed, "", nonce)
    row = (seq, event_id, type_, version, actor, t, recorded_ms, dumps(audience) if audience is not None else None,
           data_json, claimed, nonce)
    return CheckedEvent(event, row)


class HashMismatch(Exception):
    def __init__(self, seq: int, line: int | None) -> None:
        super().__init__(seq, line)
        self.seq, self.line = seq, line


def _recorded_ms(value: Any) -> int | None:
    """Epoch milliseconds of a canonical timestamp (`format_timestamp` of them gives it back), else
    None. The pattern fixes the form; a valid calendar date-time makes it canonical."""
    if type(value) is not str or not _TIMESTAMP.fullmatch(value):
        return None
    fields = (int(value[0:4]), int(value[5:7]), int(value[8:10]), int(value[11:13]), int(value[14:16]), int(value[17:19]))
    try:
        datetime(*fields)  # the month has that day, the hour exists, ...
    except ValueError:
        return None
    return calendar.timegm(fields) * 1000 + int(value[20:23])
