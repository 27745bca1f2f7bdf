"""The statements of one append, per engine: the same transaction, as few round trips as each allows.

An append moves the exercise's head from the version the writer read (`WHERE head_seq = ?`: the
optimistic concurrency check, exactly one row or `ConcurrencyConflict`), inserts the sealed rows
under the primary key `(exercise_id, seq)` and, with an idempotency key, its record under
`(exercise_id, seat, key)`. All of it commits or none of it does.

- SQLite: a few statements in one `BEGIN IMMEDIATE` transaction on the event loop's thread (no
  round trip to pay; each statement is a few microseconds of SQLite work, and the commit's cost is
  the pages it writes to the WAL). The head moves in one statement and the status and next due time
  in a second one that matches no row when neither changed: `next_due_wall` is indexed, and an
  UPDATE that sets it rewrites its index entry even to the same value (a WAL page per append).
- PostgreSQL: ONE statement, run on its own (autocommit: a statement is atomic), so an append is
  one round trip instead of five (BEGIN, UPDATE, INSERT, INSERT, COMMIT). The head update is a
  data-modifying CTE whose `RETURNING` feeds both inserts: when the head has moved on, it returns
  no row, so nothing is inserted, and the statement answers `SELECT 0` (-> `ConcurrencyConflict`);
  a duplicate seq or idempotency key fails the whole statement with a unique violation (->
  `ConcurrencyConflict` too). A concurrent writer on the same exercise waits on the exercise row
  and then re-checks `head_seq` (READ COMMITTED's re-evaluation of an updated row), so two appends
  from the same version cannot both succeed. While another process holds (or waits for) its turn
  at the exercise (`EventStore.exclusive`, server/turns.py), an append made outside a turn does not
  move the head either: its shared try-lock fails against that lock, so a process that does not
  take turns loses the race at once and starts taking them, instead of starving the one that does.
"""

from __future__ import annotations

from typing import Any, Sequence

from .base import IdempotencyRecord
from .database import EXCLUSIVE_CLASS, Statement
from .rows import INSERT_EVENT

INSERT_IDEMPOTENCY = ("INSERT INTO idempotency_keys (exercise_id, seat, key, request_hash, first_seq, last_seq, created_at) "
                      "VALUES (?, ?, ?, ?, ?, ?, ?)")
SQLITE_HEAD = "UPDATE exercises SET head_seq = ?, head_hash = ? WHERE id = ? AND head_seq = ? AND read_only = ?"
SQLITE_STATUS = ("UPDATE exercises SET status = ?, next_due_wall = ? "
                 "WHERE id = ? AND NOT (status IS ? AND next_due_wall IS ?)")

def _pg_append(*, keyed: bool, outside_turn: bool) -> str:
    turn = f" AND pg_try_advisory_xact_lock_shared({EXCLUSIVE_CLASS}, hashtext(id))" if outside_turn else ""
    sql = ("WITH head AS (UPDATE exercises SET head_seq = ?, head_hash = ?, status = ?, next_due_wall = ? "
           f"WHERE id = ? AND head_seq = ? AND read_only = ?{turn} RETURNING id), "
           "appended AS (INSERT INTO events (exercise_id, seq, id, type, version, actor, exercise_time, recorded_at, "
           "audience, data, hash, nonce) "
           "SELECT head.id, e.seq, e.id, e.type, e.version, e.actor, e.exercise_time, e.recorded_at, e.audience, e.data, "
           "e.hash, e.nonce FROM head, unnest(?::integer[], ?::varchar[], ?::varchar[], ?::integer[], ?::varchar[], "
           "?::float8[], ?::bigint[], ?::text[], ?::text[], ?::varchar[], ?::varchar[]) "
           "AS e(seq, id, type, version, actor, exercise_time, recorded_at, audience, data, hash, nonce) RETURNING 1)")
    if keyed:
        sql += (", keyed AS (INSERT INTO idempotency_keys (exercise_id, seat, key, request_hash, first_seq, last_seq, "
                "created_at) SELECT head.id, ?::varchar, ?::varchar, ?::varchar, ?::integer, ?::integer, ?::float8 "
                "FROM head RETURNING 1)")
    return sql + " SELECT 1 FROM head"


PG_APPEND = {(keyed, outside): _pg_append(keyed=keyed, outside_turn=outside) for keyed in (False, True)
             for outside in (False, True)}


def append_statements(dialect: str, exercise_id: str, rows: Sequence[tuple[Any, ...]], *, expected_version: int,
                      status: str, next_due_wall: float | None, idempotency: IdempotencyRecord | None,
                      created_at: float, in_turn: bool = False) -> list[Statement]:
    """`rows`: sealed, checked INSERT_EVENT parameters continuing the stream from `expected_version`.
    `in_turn`: this process holds its turn at the exercise (PostgreSQL: the append runs in the session
    holding the lock, and does not test it: a try-lock fails when another session waits for it,
    even for the holder)."""
    last = rows[-1]
    head = (last[1], last[10], status, next_due_wall, exercise_id, expected_version, False)
    if dialect == "postgresql":
        columns = [list(c) for c in zip(*rows)][1:]  # one array per column, the exercise id left out
        sql = PG_APPEND[idempotency is not None, not in_turn]
        if idempotency is None:
            return [Statement(sql, (*head, *columns), expect_rows=1)]
        return [Statement(sql, (*head, *columns, idempotency.seat, idempotency.key, idempotency.request_hash,
                                rows[0][1], last[1], created_at), expect_rows=1)]
    statements = [Statement(SQLITE_HEAD, (last[1], last[10], exercise_id, expected_version, False), expect_rows=1),
                  Statement(SQLITE_STATUS, (status, next_due_wall, exercise_id, status, next_due_wall)),
                  Statement(INSERT_EVENT, rows[0]) if len(rows) == 1 else Statement(INSERT_EVENT, rows, many=True)]
    if idempotency is not None:
        statements.append(Statement(INSERT_IDEMPOTENCY, (exercise_id, idempotency.seat, idempotency.key,
                                                         idempotency.request_hash, rows[0][1], last[1], created_at)))
    return statements
