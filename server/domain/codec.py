"""State <-> JSON, for snapshots. Driven by the dataclasses' type hints, so a new state field needs
no codec change. The scenario is not stored in a snapshot (it is in the exercise's first event)."""

from __future__ import annotations

import collections.abc
import dataclasses
import types
import typing
from functools import lru_cache
from typing import Any

from pydantic import BaseModel

from .scenario import Scenario
from .state import State

SNAPSHOT_FORMAT = 2


@lru_cache(maxsize=None)
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _encode(value: Any) -> Any:
    if dataclasses.is_dataclass(value):
        return {f.name: _encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, typing.Mapping):
        return {k: _encode(v) for k, v in value.items()}
    if isinstance(value, (tuple, list)):
        return [_encode(v) for v in value]
    return value


def _decode(tp: Any, value: Any) -> Any:
    if value is None:
        return None
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        return _decode(args[0], value) if len(args) == 1 else value
    if origin is tuple:
        (item, *_rest) = typing.get_args(tp)
        return tuple(_decode(item, v) for v in value)
    if origin in (collections.abc.Mapping, dict):
        _k, item = typing.get_args(tp)
        return {k: _decode(item, v) for k, v in value.items()}
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        hints = _hints(tp)
        return tp(**{f.name: _decode(hints[f.name], value[f.name]) for f in dataclasses.fields(tp) if f.name in value})
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return tp.model_validate(value)
    return value


def state_to_json(state: State) -> dict[str, Any]:
    doc = {f.name: _encode(getattr(state, f.name)) for f in dataclasses.fields(state) if f.name != "scenario"}
    doc["format"] = SNAPSHOT_FORMAT
    return doc


def state_from_json(doc: dict[str, Any], scenario: Scenario) -> State:
    if doc.get("format") != SNAPSHOT_FORMAT:
        raise ValueError("snapshot format changed")
    hints = _hints(State)
    fields = {f.name: _decode(hints[f.name], doc[f.name]) for f in dataclasses.fields(State) if f.name in doc}
    return State(scenario=scenario, **{k: v for k, v in fields.items() if k != "scenario"})
