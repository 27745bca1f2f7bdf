"""The event store: one implementation over either database (`database.py`).

Optimistic concurrency: an append advances the exercise's `head_seq` from the version the writer
read (`WHERE head_seq = ?`, exactly one row) and inserts the events under the primary key
`(exercise_id, seq)`, with the idempotency key if there is one, in one transaction (on PostgreSQL
one statement: `appending.py`). A writer that lost the race changes no row, or hits a key, and gets
`ConcurrencyConflict`; its transaction leaves nothing behind.

Before a write, every value is checked against its column (`limits.py`), so a value PostgreSQL
would refuse at insert is refused on SQLite too, as `RecordRefused` naming the field and the seq.
"""

from __future__ import annotations

from typing import Any, AsyncIterator, Sequence

from ..domain.events import Event
from .base import ConcurrencyConflict, ExerciseRecord, IdempotencyRecord, IdempotentResult, SeatRecord
from .chain import GENESIS
from . import tables
from .database import Database, Statement, open_database
from .limits import check_events, check_row, check_seats
from .appending import append_statements
from .rows import (EVENT_COLUMNS, EXERCISE_COLUMNS, INSERT_EVENT, dumps, events_from_rows, exercise_record, row_to_event,
                   row_to_raw_envelope, seal)

__all__ = ["SqlEventStore", "open_store", "row_to_event", "seal"]

IMPORTING = "importing"  # the status of an exercise whose import is under way
_SELECT_EVENTS = f"SELECT {EVENT_COLUMNS} FROM events WHERE exercise_id = ? AND seq > ?"


def directory_query(*, limit: int, before: tuple[float, str] | None = None) -> tuple[str, tuple[Any, ...]]:
    """`list_exercises`'s query: read from the index `ix_exercises_created` in its order (newest
    first), one page at a time (migration 0005; a test checks the plan)."""
    sql = (f"SELECT {EXERCISE_COLUMNS}, (SELECT count(*) FROM seats s WHERE s.exercise_id = exercises.id "
           "AND s.seat NOT IN ('facilitator', 'observer')) FROM exercises WHERE status <> ?")
    params: list[Any] = [IMPORTING]
    if before is not None:
        sql += " AND (created_at < ? OR (created_at = ? AND id < ?))"
        params += [before[0], before[0], before[1]]
    return sql + " ORDER BY created_at DESC, id DESC LIMIT ?", (*params, limit)


class SqlEventStore:
    def __init__(self, db: Database) -> None:
        if hasattr(db, "sync_engine"):  # an SQLAlchemy AsyncEngine: open the same database our way
            url = db.url.render_as_string(hide_password=False)
            db = open_database(url.replace("+aiosqlite", "").replace("+asyncpg", ""))
        self.db = db
        self.dialect = db.dialect

    async def close(self) -> None:
        await self.db.close()

    def exclusive(self, exercise_id: str):
        """Queue behind other processes' writers to this exercise (PostgreSQL; a no-op on SQLite)."""
        return self.db.exclusive(exercise_id)

    async def execute_sql(self, sql: str, params: Sequence[Any] = ()) -> None:
        """Run one statement in its own transaction: for maintenance, and for tests that tamper."""
        await self.db.write([Statement(sql, tuple(params))])

    # -- writing ------------------------------------------------------------------------------

    async def create_exercise(self, *, exercise_id: str, scenario_id: str, title: str, created_at: float,
                              seats: Sequence[tuple[str, str, str, str]], events: Sequence[Event],
                              read_only: bool = False, origin: dict[str, Any] | None = None,
                              status: str = "created", next_due_wall: float | None = None) -> list[Event]:
        sealed, rows = seal(exercise_id, events, GENESIS)
        check_row(tables.exercises, {"id": exercise_id, "scenario_id": scenario_id, "title": title, "created_at": created_at,
                                     "status": status})
        check_seats([(exercise_id, *seat) for seat in seats])
        check_events(rows)
        statements = [
            Statement("INSERT INTO exercises (id, scenario_id, title, created_at, read_only, origin, head_seq, head_hash, "
                      "status, next_due_wall) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                      (exercise_id, scenario_id, title, created_at, read_only,
                       dumps(origin) if origin is not None else None, len(sealed),
                       sealed[-1].hash if sealed else GENESIS, status, next_due_wall)),
            Statement("INSERT INTO seats (exercise_id, seat, kind, name, token_hash) VALUES (?, ?, ?, ?, ?)",
                      [(exercise_id, seat, kind, name, token_hash) for seat, kind, name, token_hash in seats], many=True),
        ]
        if rows:
            statements.append(Statement(INSERT_EVENT, rows, many=True))
        await self.db.write(statements)
        return sealed

    async def append(self, exercise_id: str, events: Sequence[Event], *, expected_version: int, prev_hash: str,
                     status: str, next_due_wall: float | None,
                     idempotency: IdempotencyRecord | None = None, in_turn: bool = False) -> list[Event]:
        """`in_turn`: the caller holds its turn at the exercise (`exclusive`, server/turns.py); the
        append then runs in the lock's session. Without it, an append fails while another process
        holds or waits for that lock (PostgreSQL; appending.py)."""
        if not events:
            return []
        if events[0].seq != expected_version + 1 or any(b.seq != a.seq + 1 for a, b in zip(events, events[1:])):
            raise ValueError("events must continue the stream without gaps")
        sealed, rows = seal(exercise_id, events, prev_hash)
        check_events(rows)
        await self.db.write(append_statements(self.dialect, exercise_id, rows, expected_version=expected_version,
                                              status=status, next_due_wall=next_due_wall, idempotency=idempotency,
                                              created_at=events[0].recorded_at, in_turn=in_turn),
                            key=exercise_id if in_turn else None)
        return sealed

    # -- streamed imports: an exercise that nobody can open until it is finished ------------------

    async def begin_import(self, *, exercise_id: str, scenario_id: str, title: str, created_at: float) -> None:
        """The exercise row of an import under way: status `importing`, read-only, no seats (so no
        token opens it), no events yet."""
        await self.db.write([Statement(
            "INSERT INTO exercises (id, scenario_id, title, created_at, read_only, origin, head_seq, head_hash, status, "
            "next_due_wall) VALUES (?, ?, ?, ?, ?, NULL, 0, ?, ?, NULL)",
            (exercise_id, scenario_id, title, created_at, True, GENESIS, IMPORTING))])

    async def import_events(self, exercise_id: str, rows: Sequence[tuple[Any, ...]], *, expected_version: int) -> None:
        """Rows already sealed and checked (review/importing.py: every hash verified) continuing the
        import's stream, in one transaction."""
        last = rows[-1]
        await self.db.write([
            Statement("UPDATE exercises SET head_seq = ?, head_hash = ? WHERE id = ? AND head_seq = ? AND status = ?",
                      (last[1], last[10], exercise_id, expected_version, IMPORTING), expect_rows=1),
            Statement(INSERT_EVENT, rows, many=True),
        ], background=True)

    async def finish_import(self, exercise_id: str, *, seats: Sequence[tuple[str, str, str, str]], status: str,
                            head_hash: str, origin: dict[str, Any]) -> None:
        await self.db.write([
            Statement("UPDATE exercises SET status = ?, origin = ? WHERE id = ? AND status = ? AND head_hash = ?",
                      (status, dumps(origin), exercise_id, IMPORTING, head_hash), expect_rows=1),
            Statement("INSERT INTO seats (exercise_id, seat, kind, name, token_hash) VALUES (?, ?, ?, ?, ?)",
                      [(exercise_id, seat, kind, name, token_hash) for seat, kind, name, token_hash in seats], many=True),
        ])

    async def discard_exercise(self, exercise_id: str) -> None:
        """Delete an exercise and everything of it (an import that failed half way)."""
        await self.db.write([Statement("DELETE FROM exercises WHERE id = ?", (exercise_id,))], background=True)

    async def discard_stale_imports(self, before: float) -> int:
        """Delete imports begun before `before` and never finished (their process died)."""
        rows = await self.db.fetch("SELECT id FROM exercises WHERE status = ? AND created_at < ?", (IMPORTING, before))
        for (exercise_id,) in rows:
            await self.discard_exercise(exercise_id)
        return len(rows)

    async def save_snapshot(self, exercise_id: str, seq: int, fmt: int, state: str) -> None:
        try:
            await self.db.write([Statement("INSERT INTO snapshots (exercise_id, seq, format, state) VALUES (?, ?, ?, ?)",
                                           (exercise_id, seq, fmt, state))])
        except ConcurrencyConflict:
            pass  # another process saved the same snapshot

    # -- reading ------------------------------------------------------------------------------

    async def read(self, exercise_id: str, *, after: int = 0, upto: int | None = None,
                   limit: int | None = None) -> list[Event]:
        sql, params = _SELECT_EVENTS, [exercise_id, after]
        if upto is not None:
            sql += " AND seq <= ?"
            params.append(upto)
        sql += " ORDER BY seq"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        return events_from_rows(exercise_id, await self.db.fetch(sql, params))

    async def read_raw(self, exercise_id: str, *, batch: int = 1000) -> AsyncIterator[list[dict[str, Any]]]:
        after = 0
        while True:
            rows = await self.db.fetch(_SELECT_EVENTS + " ORDER BY seq LIMIT ?", (exercise_id, after, batch))
            if not rows:
                return
            yield [row_to_raw_envelope(exercise_id, r) for r in rows]
            after = rows[-1][0]

    async def exercise(self, exercise_id: str) -> ExerciseRecord | None:
        rows = await self.db.fetch(f"SELECT {EXERCISE_COLUMNS} FROM exercises WHERE id = ?", (exercise_id,))
        return exercise_record(rows[0]) if rows else None

    async def list_exercises(self, *, limit: int, before: tuple[float, str] | None = None) -> list[tuple[ExerciseRecord, int]]:
        """Exercises newest first (ties by id), each with its number of participating seats (the
        facilitator and the observer not counted); `before`: the (created_at, id) the previous page
        ended at. Imports under way are left out."""
        rows = await self.db.fetch(*directory_query(limit=limit, before=before))
        return [(exercise_record(r[:-1]), r[-1]) for r in rows]

    async def seat_for_token(self, token_hash: str) -> SeatRecord | None:
        rows = await self.db.fetch("SELECT exercise_id, seat, kind, name FROM seats WHERE token_hash = ?", (token_hash,))
        return SeatRecord(*rows[0]) if rows else None

    async def idempotent_result(self, exercise_id: str, seat: str, key: str) -> IdempotentResult | None:
        rows = await self.db.fetch("SELECT request_hash, first_seq, last_seq FROM idempotency_keys "
                                   "WHERE exercise_id = ? AND seat = ? AND key = ?", (exercise_id, seat, key))
        if not rows:
            return None
        request_hash, first, last = rows[0]
        events = await self.read(exercise_id, after=first - 1, upto=last)
        return IdempotentResult(request_hash, events)

    async def load_snapshot(self, exercise_id: str, *, upto: int | None = None,
                            after: int = 0) -> tuple[int, int, str] | None:
        sql, params = "SELECT seq, format, state FROM snapshots WHERE exercise_id = ?", [exercise_id]
        if after:
            sql += " AND seq > ?"
            params.append(after)
        if upto is not None:
            sql += " AND seq <= ?"
            params.append(upto)
        rows = await self.db.fetch(sql + " ORDER BY seq DESC LIMIT 1", params)
        return (rows[0][0], rows[0][1], rows[0][2]) if rows else None

    async def seq_at_time(self, exercise_id: str, exercise_time: float) -> int:
        rows = await self.db.fetch("SELECT max(seq) FROM events WHERE exercise_id = ? AND exercise_time <= ?",
                                   (exercise_id, exercise_time))
        return rows[0][0] or 0

    async def due_exercises(self, now_wall: float, limit: int = 100) -> list[str]:
        rows = await self.db.fetch("SELECT id FROM exercises WHERE next_due_wall IS NOT NULL AND next_due_wall <= ? "
                                   "ORDER BY next_due_wall LIMIT ?", (now_wall, limit))
        return [r[0] for r in rows]

    async def heads(self, exercise_ids: Sequence[str]) -> dict[str, int]:
        if not exercise_ids:
            return {}
        ids = list(exercise_ids)[:500]
        placeholders = ", ".join("?" for _ in ids)
        rows = await self.db.fetch(f"SELECT id, head_seq FROM exercises WHERE id IN ({placeholders})", ids)
        return {r[0]: r[1] for r in rows}


def open_store(url: str, *, max_connections: int | None = None) -> SqlEventStore:
    """The event store for a DATABASE_URL (`sqlite:///...` or `postgresql://...`);
    `max_connections` caps a PostgreSQL pool (a worker process needs only a couple)."""
    return SqlEventStore(open_database(url, max_connections=max_connections))
