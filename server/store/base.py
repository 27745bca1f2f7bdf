"""The event store's interface and the records it deals in."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, AsyncContextManager, AsyncIterator, Protocol, Sequence

from ..domain.events import Event


class ConcurrencyConflict(Exception):
    """Another writer appended first: re-read, re-decide, retry."""


class StoreUnavailable(Exception):
    """The database cannot be reached (or the connection was lost mid-operation): retry later."""


class UnknownExercise(Exception):
    pass


@dataclass(frozen=True)
class SeatRecord:
    exercise_id: str
    seat: str
    kind: str
    name: str


@dataclass(frozen=True)
class ExerciseRecord:
    id: str
    scenario_id: str
    title: str
    created_at: float
    read_only: bool
    origin: dict[str, Any] | None
    head_seq: int
    head_hash: str
    status: str


@dataclass(frozen=True)
class IdempotencyRecord:
    seat: str
    key: str
    request_hash: str


@dataclass(frozen=True)
class IdempotentResult:
    request_hash: str
    events: list[Event]


class EventStore(Protocol):
    """One stream per exercise; `seq` from 1 without gaps; appends are all-or-nothing."""

    async def create_exercise(self, *, exercise_id: str, scenario_id: str, title: str, created_at: float,
                              seats: Sequence[tuple[str, str, str, str]], events: Sequence[Event],
                              read_only: bool = False, origin: dict[str, Any] | None = None,
                              status: str = "created", next_due_wall: float | None = None) -> list[Event]: ...

    async def append(self, exercise_id: str, events: Sequence[Event], *, expected_version: int, prev_hash: str,
                     status: str, next_due_wall: float | None,
                     idempotency: IdempotencyRecord | None = None, in_turn: bool = False) -> list[Event]: ...

    async def read(self, exercise_id: str, *, after: int = 0, upto: int | None = None,
                   limit: int | None = None) -> list[Event]: ...

    def read_raw(self, exercise_id: str, *, batch: int = 1000) -> AsyncIterator[list[dict[str, Any]]]: ...

    async def exercise(self, exercise_id: str) -> ExerciseRecord | None: ...

    async def list_exercises(self, *, limit: int,
                             before: tuple[float, str] | None = None) -> list[tuple[ExerciseRecord, int]]: ...

    async def seat_for_token(self, token_hash: str) -> SeatRecord | None: ...

    async def idempotent_result(self, exercise_id: str, seat: str, key: str) -> IdempotentResult | None: ...

    async def begin_import(self, *, exercise_id: str, scenario_id: str, title: str, created_at: float) -> None: ...

    async def import_events(self, exercise_id: str, rows: Sequence[tuple[Any, ...]], *, expected_version: int) -> None: ...

    async def finish_import(self, exercise_id: str, *, seats: Sequence[tuple[str, str, str, str]], status: str,
                            head_hash: str, origin: dict[str, Any]) -> None: ...

    async def discard_exercise(self, exercise_id: str) -> None: ...

    async def discard_stale_imports(self, before: float) -> int: ...

    async def save_snapshot(self, exercise_id: str, seq: int, fmt: int, state: str) -> None: ...

    async def load_snapshot(self, exercise_id: str, *, upto: int | None = None,
                            after: int = 0) -> tuple[int, int, str] | None:
        """The newest snapshot at or before `upto` (and after `after`): (seq, format, state JSON)."""

    async def seq_at_time(self, exercise_id: str, exercise_time: float) -> int: ...

    async def due_exercises(self, now_wall: float, limit: int = 100) -> list[str]: ...

    async def heads(self, exercise_ids: Sequence[str]) -> dict[str, int]: ...

    def exclusive(self, exercise_id: str) -> AsyncContextManager[None]: ...

    async def close(self) -> None: ...
