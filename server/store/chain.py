"""The hash chain: `hash = SHA-256(previous hash + canonical JSON of the event)`.

Canonical JSON: keys sorted, no spaces, UTF-8, no NaN. The hashed body is the event envelope
without `hash` and without `exercise_id` (so an imported or forked copy of a log keeps its hashes).
The first event chains from 64 zeros. Pure functions; used by the store, export, import and
`ttx verify`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

GENESIS = "0" * 64
HASHED_FIELDS = ("seq", "id", "type", "version", "actor", "exercise_time", "recorded_at", "audience", "data")
_HASHED = frozenset(HASHED_FIELDS)


def canonical_json(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode("utf-8")


_dump = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode


def canonical_body(*, seq: int, id: str, type: str, version: int, actor: str, exercise_time: float, recorded_at: str,
                   audience: list[str] | None, data_json: str) -> bytes:
    """`canonical_json` of the hashed fields, assembled from the canonical JSON of `data` so a new
    event's data is serialised once, for the hash and for the row alike. Equal, byte for byte, to
    `canonical_json({...})` of the same fields (a property test checks it)."""
    return (f'{{"actor":{_dump(actor)},"audience":{_dump(audience)},"data":{data_json},'
            f'"exercise_time":{_dump(exercise_time)},"id":{_dump(id)},"recorded_at":{_dump(recorded_at)},'
            f'"seq":{_dump(seq)},"type":{_dump(type)},"version":{_dump(version)}}}').encode("utf-8")


def chain(prev_hash: str, canonical: bytes) -> str:
    return hashlib.sha256(prev_hash.encode("ascii") + canonical).hexdigest()


def event_hash(prev_hash: str, envelope: Mapping[str, Any]) -> str:
    body = envelope if envelope.keys() == _HASHED else {k: envelope.get(k) for k in HASHED_FIELDS}
    return hashlib.sha256(prev_hash.encode("ascii") + canonical_json(body)).hexdigest()


@dataclass(frozen=True)
class ChainBreak:
    seq: int  # the first seq whose record does not verify (the expected seq, when one is missing)
    line: int | None
    reason: str

    def __str__(self) -> str:
        where = f"seq {self.seq}" + (f" (line {self.line})" if self.line is not None else "")
        return f"hash chain breaks at {where}: {self.reason}"


def verify_chain(envelopes: Iterable[Mapping[str, Any]], *, first_line: int = 1) -> ChainBreak | None:
    """Check seq order, gaps and every hash. Returns the first break, or None."""
    prev = GENESIS
    expected_seq = 1
    for offset, env in enumerate(envelopes):
        line = first_line + offset
        seq = env.get("seq")
        if seq != expected_seq:
            if isinstance(seq, int) and seq > expected_seq:
                return ChainBreak(expected_seq, line, f"seq {expected_seq} is missing (found {seq}): an event was deleted or reordered")
            return ChainBreak(expected_seq, line, f"found seq {seq!r} where {expected_seq} was expected: events out of order")
        try:
            computed = event_hash(prev, env)
        except (TypeError, ValueError) as exc:
            return ChainBreak(expected_seq, line, f"event cannot be hashed: {exc}")
        if computed != env.get("hash"):
            return ChainBreak(expected_seq, line, "the event's content does not match its hash: it was edited")
        prev = computed
        expected_seq += 1
    return None
