"""State <-> JSON, for snapshots. Driven by the dataclasses' type hints, so a new state field needs
no codec change. The scenario is not stored in a snapshot (it is in the exercise's first event)."""

from __future__ import annotations

import collections.abc
import dataclasses
import types
import typing
from functools import lru_cache
from typing import Any, Callable

from pydantic import BaseModel

from .persistent import Rows
from .registry import REGISTRY
from .scenario import Scenario
from .state import State

SNAPSHOT_FORMAT = 4


@lru_cache(maxsize=None)
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _encode(value: Any) -> Any:
    """JSON-ready data of a state value. Dispatched on the exact type first (a snapshot of a long
    exercise encodes hundreds of thousands of values: `isinstance` against `typing.Mapping` and
    `dataclasses.fields` for each one were most of the time it took)."""
    kind = type(value)
    if kind in _PLAIN:
        return value
    encode = _ENCODERS.get(kind)
    if encode is None:
        encode = _ENCODERS[kind] = _encoder_for(kind)
    return encode(value)


_PLAIN = frozenset({str, int, float, bool, type(None)})
_ENCODERS: dict[type, Callable[[Any], Any]] = {}


def _encode_mapping(value: Any) -> Any:
    return {k: (v if type(v) in _PLAIN else _encode(v)) for k, v in value.items()}


def _encode_sequence(value: Any) -> Any:
    return [(v if type(v) in _PLAIN else _encode(v)) for v in value]


def _encoder_for(kind: type) -> Callable[[Any], Any]:
    if dataclasses.is_dataclass(kind):
        names = tuple(f.name for f in dataclasses.fields(kind))

        def encode_dataclass(value: Any) -> Any:
            out = {}
            for name in names:
                v = getattr(value, name)
                out[name] = v if type(v) in _PLAIN else _encode(v)
            return out

        return encode_dataclass
    if issubclass(kind, BaseModel):
        return lambda value: value.model_dump(mode="json")
    if issubclass(kind, collections.abc.Mapping):
        return _encode_mapping
    if issubclass(kind, (tuple, list)):
        return _encode_sequence
    return _identity


def _identity(value: Any) -> Any:
    return value


@lru_cache(maxsize=None)
def _decoder(tp: Any) -> Callable[[Any], Any]:
    """A function turning JSON into a value of type `tp`, worked out once per type (a snapshot of a
    long exercise holds hundreds of thousands of values; looking at the type hints for each one
    was nearly all of the time it took to load)."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) != 1:
            return _identity
        inner = _decoder(args[0])
        return _identity if inner is _identity else (lambda v: None if v is None else inner(v))
    if origin is tuple:
        item = _decoder(typing.get_args(tp)[0])
        return tuple if item is _identity else (lambda v: tuple(item(x) for x in v))
    if origin in (collections.abc.Mapping, dict):
        item = _decoder(typing.get_args(tp)[1])
        return dict if item is _identity else (lambda v: {k: item(x) for k, x in v.items()})
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        hints = _hints(tp)
        fields = [(f.name, _decoder(hints[f.name])) for f in dataclasses.fields(tp)]

        def build(v: Any) -> Any:
            return tp(**{name: dec(v[name]) for name, dec in fields if name in v})

        return build
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return tp.model_validate
    return _identity


def _decode(tp: Any, value: Any) -> Any:
    return None if value is None else _decoder(tp)(value)


def state_to_json(state: State) -> dict[str, Any]:
    doc = {f.name: _encode(getattr(state, f.name)) for f in dataclasses.fields(state) if f.name != "scenario"}
    doc["format"] = SNAPSHOT_FORMAT
    return doc


def state_from_json(doc: dict[str, Any], scenario: Scenario) -> State:
    """The state a snapshot holds. Tables are decoded by the value type their slice registered; a
    table no slice registers any more is dropped (the snapshot is a cache: a refold is always right)."""
    if doc.get("format") != SNAPSHOT_FORMAT:
        raise ValueError("snapshot format changed")
    hints = _hints(State)
    fields = {f.name: _decode(hints[f.name], doc[f.name]) for f in dataclasses.fields(State)
              if f.name in doc and f.name not in ("scenario", "tables")}
    tables = {}
    for name, rows in (doc.get("tables") or {}).items():
        table = REGISTRY.tables.get(name)
        if table is None:
            raise ValueError(f"snapshot has a table {name!r} that no slice registers")
        item = _decoder(table.value)
        tables[name] = {k: item(v) for k, v in rows.items()} if table.small else Rows((k, item(v)) for k, v in rows.items())
    return State(scenario=scenario, tables=tables, **fields)
