"""The exercise state: data types only, frozen, no behaviour.

`State` holds what every slice shares (the scenario, the clock, the status, each seat's status,
the decision rules in force) and `tables`: one mapping per table that a slice registered
(`registry.Slice.table`), id -> frozen entity. Folding lives in `fold.py`, what each event does in
its slice; this module imports no slice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from .clock import Clock
from .scenario import RuleBinding, Scenario


@dataclass(frozen=True, slots=True)
class State:
    scenario: Scenario | None = None
    scenario_hash: str = ""
    version: int = 0  # seq of the last event folded in
    last_time: float = 0.0  # exercise_time of the last event
    status: str = "new"  # new | created | running | paused | ended
    clock: Clock = Clock()
    rules: tuple[RuleBinding, ...] = ()
    statuses: Mapping[str, str | None] = field(default_factory=dict)  # seat -> its membership status (None: it has none)
    forked_from: Mapping[str, Any] | None = None
    tables: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)  # table name -> id -> entity
