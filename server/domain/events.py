"""Events: immutable, past-tense facts with a version, and the upcasters that keep old ones readable.

An `Event` here is the whole envelope the store keeps and the API returns. `decide` creates them
with `seq`, `exercise_time` and `recorded_at` already set (it knows the stream's version and the
time it was given); the store adds `id` and `hash` when it appends.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from types import MappingProxyType
from typing import Any, Iterator, Mapping, NamedTuple

from .legacy import ALIAS_EVENTS
from .registry import REGISTRY

SYSTEM = "system"
FACILITATOR = "facilitator"
OBSERVER = "observer"

_PAST_TENSE = re.compile(r"^[a-z]+(_[a-z]+)*$")

class _Versions(Mapping[str, int]):
    """Event type -> current version, read from the registry (each slice registers its events)."""

    def __getitem__(self, type: str) -> int:
        return REGISTRY.events[type].version

    def __iter__(self) -> Iterator[str]:
        return iter(REGISTRY.events)

    def __len__(self) -> int:
        return len(REGISTRY.events)


EVENT_VERSIONS: Mapping[str, int] = _Versions()


def freeze(data: Mapping[str, Any] | None) -> Mapping[str, Any]:
    """A read-only view of event data (no copy when it already is one)."""
    if isinstance(data, MappingProxyType):
        return data
    return MappingProxyType(dict(data or {}))


class Event(NamedTuple):
    """One recorded fact. A tuple: an event is never edited once it exists, and making one is cheap,
    which matters when a long log is read back. Build new events with `new_event` (it freezes
    `data`); the store fills in `exercise_id`, `id` and `hash` when it appends."""

    type: str
    actor: str
    data: Mapping[str, Any]
    exercise_time: float
    recorded_at: float  # wall-clock seconds since the epoch, millisecond precision
    seq: int
    audience: tuple[str, ...] | None = None  # None: every seat; else these seats (+ facilitator)
    version: int = 1
    id: str = ""
    hash: str = ""
    exercise_id: str = ""

    def with_store_fields(self, *, exercise_id: str, id: str, hash: str) -> "Event":
        return self._replace(exercise_id=exercise_id, id=id, hash=hash)

    def envelope(self) -> dict[str, Any]:
        """The public JSON form of the event (the spec's envelope, plus audience and version).
        A move the white cell made for the seat named in `actor` also has `played_by:
        "facilitator"`: kept in `data` (so the hash covers it), and shown in the envelope too."""
        env = {
            "exercise_id": self.exercise_id,
            "seq": self.seq,
            "id": self.id,
            "type": self.type,
            "version": self.version,
            "actor": self.actor,
            "exercise_time": self.exercise_time,
            "recorded_at": format_timestamp(self.recorded_at),
            "audience": list(self.audience) if self.audience is not None else None,
            "data": thaw(self.data),
            "hash": self.hash,
        }
        played_by = self.data.get("played_by")
        if played_by is not None:
            env["played_by"] = played_by
        return env


_SCALARS = (str, int, float, bool, type(None))


def thaw(value: Any) -> Any:
    """A plain, JSON-ready copy of event data (mapping proxies become dicts, tuples lists)."""
    kind = type(value)
    if kind in _SCALARS:  # the common case first: exact type tests are much cheaper than isinstance on ABCs
        return value
    if kind is dict or kind is MappingProxyType:
        return {k: thaw(v) for k, v in value.items()}
    if kind is list or kind is tuple:
        return [thaw(v) for v in value]
    if isinstance(value, Mapping):
        return {k: thaw(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [thaw(v) for v in value]
    return value


def new_event(
    type: str,
    actor: str,
    data: Mapping[str, Any],
    *,
    seq: int,
    exercise_time: float,
    recorded_at: float,
    audience: tuple[str, ...] | None = None,
    version: int | None = None,
) -> Event:
    """A new event of a registered type (or, with `version`, of a scenario's alias of one)."""
    if version is None:
        spec = REGISTRY.events.get(type)
        if spec is None:
            raise ValueError(f"unknown event type {type!r}")
        version = spec.version
    return Event(type, actor, freeze(data), exercise_time, recorded_at, seq, audience, version)


# --- timestamps -------------------------------------------------------------------------------

def format_timestamp(epoch: float) -> str:
    """`2026-11-27T10:15:02.123Z`: UTC, milliseconds, the form the hash is computed over."""
    ms = int(round(epoch * 1000))
    dt = datetime.fromtimestamp(ms // 1000, tz=timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S") + f".{ms % 1000:03d}Z"


def parse_timestamp(text: str) -> float:
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    return round(datetime.fromisoformat(text).timestamp(), 3)


# --- upcasting --------------------------------------------------------------------------------
# Each slice registers the upcasters of its events with the event (`Slice.event(upcasters=...)`):
# {from_version: function turning that version's data into the next version's}.


def upcast(type: str, version: int, data: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """Bring stored data up to the current version of its type. The stored row is never changed;
    the hash chain is always checked against the stored form."""
    spec = REGISTRY.events.get(type)
    if spec is None:
        return version, data
    while version < spec.version:
        step = spec.upcasters.get(version)
        if step is None:
            raise ValueError(f"no upcaster for {type} v{version}")
        data = step(data)
        version += 1
    return version, data


_IRREGULAR_PAST = frozenset({"cast", "set", "sent", "held", "made", "met"})


def upcast_event(event: Event) -> Event:
    """The event with its data brought up to the current version of its type (itself if current).
    Copied logs (forks, imports) keep events in their stored form, for the hashes; folds read them
    through this."""
    spec = REGISTRY.events.get(event.type)
    if spec is None:
        old = ALIAS_EVENTS.get((event.type, event.version))
        if old is None:
            return event
        version, step = old
        return event._replace(version=version, data=freeze(step(thaw(event.data))))
    if event.version == spec.version:
        return event
    version, data = upcast(event.type, event.version, thaw(event.data))
    return event._replace(version=version, data=freeze(data))


def is_past_tense_name(name: str) -> bool:
    """snake_case ending in a past participle: `vote_cast`, `decision_adopted`, `seat_withdrawn`."""
    last = name.split("_")[-1]
    return bool(_PAST_TENSE.match(name)) and (last.endswith(("ed", "en", "wn")) or last in _IRREGULAR_PAST)


@dataclass(frozen=True, slots=True)
class EventSpec:
    """A pattern over events, as scenarios write it: `{event: decision_adopted, kind: use_of_armed_forces}`.

    `types` are the event types that match (a generic type and the names a scenario's aliases give
    it; see `institutions.Index.spec`). Every key of `fields` is compared with the event's data (or
    `actor`); a list value means any of; a list in the event's data matches when it contains a
    wanted value.
    """

    types: frozenset[str]
    fields: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, type: str, fields: Mapping[str, Any] | None = None) -> "EventSpec":
        return cls(frozenset((type,)), dict(fields or {}))

    def matches(self, ev: Event) -> bool:
        if ev.type not in self.types:
            return False
        for key, want in self.fields.items():
            have = ev.actor if key == "actor" else ev.data.get(key)
            wants = want if isinstance(want, (list, tuple)) else (want,)
            if isinstance(have, (list, tuple)):  # a list in the event (e.g. `kinds`) matches if it holds any wanted value
                if not any(w in have for w in wants):
                    return False
            elif have not in wants:
                return False
        return True
