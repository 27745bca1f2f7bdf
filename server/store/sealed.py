"""`SealedEvent`: an event as the store keeps it, the domain's `Event` plus the `nonce` hashed with it.

The nonce belongs to the store and the chain (server/store/chain.py), not to the domain: nothing
decides or folds on it. So it rides on a subclass of the domain's `Event` that the store hands out
(from appends and reads) and that imports and forks copy: everywhere an `Event` goes it goes too,
and `envelope()`, which every API, WebSocket and export path calls, carries it.

`Event` is a NamedTuple of 11 fields; a `SealedEvent` is the same tuple with a 12th. The
NamedTuple helpers that know the field count (`_make`, `_replace`, `__repr__`) are redefined for
12. Events recorded before the nonce have `nonce` None (chain format 0).

(If the domain's `Event` gains a `nonce` field one day, this module reduces to an alias.)
"""

from __future__ import annotations

from operator import itemgetter
from typing import Any, Iterable

from ..domain.events import Event

_NONCE = len(Event._fields)
_FIELDS = Event._fields + ("nonce",)
_tuple_new = tuple.__new__


class SealedEvent(Event):
    __slots__ = ()
    _fields = _FIELDS
    _field_defaults = {**Event._field_defaults, "nonce": None}
    __match_args__ = _FIELDS

    def __new__(cls, type: str, actor: str, data: Any, exercise_time: float, recorded_at: float, seq: int,
                audience: tuple[str, ...] | None = None, version: int = 1, id: str = "", hash: str = "",
                exercise_id: str = "", nonce: str | None = None) -> "SealedEvent":
        return _tuple_new(cls, (type, actor, data, exercise_time, recorded_at, seq, audience, version, id, hash,
                                exercise_id, nonce))

    nonce = property(itemgetter(_NONCE), doc="128 random bits (hex) inside the hashed form; None before the nonce")

    @classmethod
    def _make(cls, iterable: Iterable[Any]) -> "SealedEvent":
        result = _tuple_new(cls, iterable)
        if len(result) != len(_FIELDS):
            raise TypeError(f"Expected {len(_FIELDS)} arguments, got {len(result)}")
        return result

    def _replace(self, /, **changes: Any) -> "SealedEvent":
        result = self._make(map(changes.pop, _FIELDS, self))
        if changes:
            raise ValueError(f"Got unexpected field names: {list(changes)!r}")
        return result

    def __repr__(self) -> str:
        return "SealedEvent(" + ", ".join(f"{name}={value!r}" for name, value in zip(_FIELDS, self)) + ")"

    def envelope(self) -> dict[str, Any]:
        env = Event.envelope(self)
        env["nonce"] = self[_NONCE]
        return env


def sealed(event: Event, *, nonce: str | None, **changes: Any) -> SealedEvent:
    """`event` as a SealedEvent with this nonce (and other fields changed)."""
    values = dict(zip(Event._fields, event))
    values.update(changes)
    return SealedEvent(**values, nonce=nonce)


def nonce_of(event: Event) -> str | None:
    return event[_NONCE] if type(event) is SealedEvent else None
