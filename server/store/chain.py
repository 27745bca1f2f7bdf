"""The hash chain: `hash = SHA-256(previous hash + canonical JSON of the event)`.

Canonical JSON: keys sorted, no spaces, UTF-8, no NaN. The hashed body is the event envelope
without `hash` and without `exercise_id` (so an imported or forked copy of a log keeps its hashes).
The first event chains from 64 zeros. Pure functions; used by the store, export, import and
`ttx verify`.

Chain formats, decided per event (so a log begun before the nonce and continued after it verifies):

- format 1 (`CHAIN_NONCE`, every event recorded since): the hashed body includes `nonce`, 128
  random bits from `secrets`. A seat sees the hashes around an event it may not see; without the
  nonce, which only the event's own audience receives, it cannot test a guess of that event
  (its content, time and id) against them. The event's `id` is derived from the nonce, so it says
  nothing about the exercise or the seq either.
- format 0 (`CHAIN_LEGACY`, events recorded before the nonce): the same body without `nonce`.

An envelope whose `nonce` is absent or null is hashed in format 0, one with a nonce in format 1.
Stripping the nonce from a format-1 event changes its body, so its hash no longer matches.
"""

from __future__ import annotations

import hashlib
import json
import math
import secrets
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

GENESIS = "0" * 64
HASHED_FIELDS = ("seq", "id", "type", "version", "actor", "exercise_time", "recorded_at", "audience", "data")
_HASHED = frozenset(HASHED_FIELDS)
_HASHED_WITH_NONCE = frozenset(HASHED_FIELDS + ("nonce",))
CHAIN_LEGACY = 0
CHAIN_NONCE = 1
NONCE_BYTES = 16  # 128 bits


def new_nonce() -> str:
    """A fresh nonce: 128 random bits from `secrets`, as 32 lowercase hex digits."""
    return secrets.token_hex(NONCE_BYTES)


def event_id_from_nonce(nonce: str) -> str:
    """The event id for a nonce: UUID-shaped (version 4 bits, RFC 4122 variant), from SHA-256 of the
    nonce under a label of its own. One-way: the id, which the event's audience sees, tells
    nothing about the nonce, and without the nonce it cannot be derived from any public fact."""
    h = _sha256(b"ttx event id\x00" + nonce.encode("ascii")).hexdigest()  # the first 16 bytes, in hex, are used
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{_VARIANT[h[16]]}{h[17:20]}-{h[20:32]}"


_sha256 = hashlib.sha256
_VARIANT = {c: "89ab"[int(c, 16) & 0x3] for c in "0123456789abcdef"}  # the hex digit with its top bits set to 10


def chain_format(envelope: Mapping[str, Any]) -> int:
    return CHAIN_LEGACY if envelope.get("nonce") is None else CHAIN_NONCE


def canonical_json(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode("utf-8")


_dump = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode
_string = json.encoder.encode_basestring  # what the encoder above does with a str (C when available)
_int_repr, _float_repr, _isfinite = int.__repr__, float.__repr__, math.isfinite


def _value(v: Any) -> str:
    """`_dump(v)`, without the encoder's set-up for the scalars every event has (a str, an int, a
    finite float): the same text (the property test in tests/store/test_chain.py checks it)."""
    kind = type(v)
    if kind is str:
        return _string(v)
    if kind is int:
        return _int_repr(v)
    if kind is float and _isfinite(v):
        return _float_repr(v)
    if v is None:
        return "null"
    if kind is list and all(type(x) is str for x in v):
        return "[" + ",".join(map(_string, v)) + "]"
    return _dump(v)


def canonical_body(*, seq: int, id: str, type: str, version: int, actor: str, exercise_time: float, recorded_at: str,
                   audience: list[str] | None, data_json: str, nonce: str | None = None) -> bytes:
    """`canonical_json` of the hashed fields (with `nonce` when there is one), assembled from the
    canonical JSON of `data` so a new event's data is serialised once, for the hash and for the row
    alike. Equal, byte for byte, to `canonical_json({...})` of the same fields (a property test
    checks it). The fields of a new event (text, whole numbers, a finite float, no audience or
    one of seats) are written straight in; anything else goes through `_value`."""
    kind = _type(exercise_time)
    if (_type(seq) is int and _type(version) is int and _type(actor) is str and _type(type) is str and _type(id) is str
            and _type(recorded_at) is str and (kind is float and _isfinite(exercise_time) or kind is int)):
        actor_j, id_j, recorded_j, type_j = _string(actor), _string(id), _string(recorded_at), _string(type)
        time_j, seq_j, version_j = repr(exercise_time), repr(seq), repr(version)
        audience_j = "null" if audience is None else _value(audience)
    else:
        actor_j, id_j, recorded_j, type_j = _value(actor), _value(id), _value(recorded_at), _value(type)
        time_j, seq_j, version_j, audience_j = _value(exercise_time), _value(seq), _value(version), _value(audience)
    nonce_part = "" if nonce is None else f'"nonce":{_value(nonce)},'
    return (f'{{"actor":{actor_j},"audience":{audience_j},"data":{data_json},"exercise_time":{time_j},'
            f'"id":{id_j},{nonce_part}"recorded_at":{recorded_j},"seq":{seq_j},"type":{type_j},'
            f'"version":{version_j}}}').encode("utf-8")


_type = type  # `canonical_body` has a parameter named `type`


def chain(prev_hash: str, canonical: bytes) -> str:
    return hashlib.sha256(prev_hash.encode("ascii") + canonical).hexdigest()


def event_hash(prev_hash: str, envelope: Mapping[str, Any]) -> str:
    if envelope.get("nonce") is None:
        body = envelope if envelope.keys() == _HASHED else {k: envelope.get(k) for k in HASHED_FIELDS}
    else:
        body = envelope if envelope.keys() == _HASHED_WITH_NONCE else {k: envelope.get(k) for k in _HASHED_WITH_NONCE}
    return hashlib.sha256(prev_hash.encode("ascii") + canonical_json(body)).hexdigest()


@dataclass(frozen=True)
class ChainBreak:
    seq: int  # the first seq whose record does not verify (the expected seq, when one is missing)
    line: int | None
    reason: str

    def __str__(self) -> str:
        where = f"seq {self.seq}" + (f" (line {self.line})" if self.line is not None else "")
        return f"hash chain breaks at {where}: {self.reason}"


class ChainVerifier:
    """The chain checked one envelope at a time (for streams too long to hold): `check` returns the
    break, or None and moves on."""

    def __init__(self) -> None:
        self.prev = GENESIS
        self.expected_seq = 1

    def check(self, env: Mapping[str, Any], line: int | None) -> ChainBreak | None:
        expected = self.expected_seq
        seq = env.get("seq")
        if seq != expected or isinstance(seq, bool):
            if isinstance(seq, int) and not isinstance(seq, bool) and seq > expected:
                return ChainBreak(expected, line, f"seq {expected} is missing (found {seq}): an event was deleted or reordered")
            return ChainBreak(expected, line, f"found seq {seq!r} where {expected} was expected: events out of order")
        try:
            computed = event_hash(self.prev, env)
        except (TypeError, ValueError, RecursionError) as exc:
            return ChainBreak(expected, line, f"event cannot be hashed: {exc}")
        if computed != env.get("hash"):
            return ChainBreak(expected, line, "the event's content does not match its hash: it was edited")
        self.prev = computed
        self.expected_seq += 1
        return None


def verify_chain(envelopes: Iterable[Mapping[str, Any]], *, first_line: int = 1) -> ChainBreak | None:
    """Check seq order, gaps and every hash. Returns the first break, or None."""
    verifier = ChainVerifier()
    for offset, env in enumerate(envelopes):
        problem = verifier.check(env, first_line + offset)
        if problem is not None:
            return problem
    return None
