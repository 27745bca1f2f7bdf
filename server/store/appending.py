"""The statements of one append, per engine: the same transaction, as few round trips as each allows.

An append moves the exercise's head from the version the writer read (`WHERE head_seq = ?`: the
optimistic concurrency check, exactly one row or `ConcurrencyConflict`), inserts the sealed rows
under the primary key `(exercise_id, seq)` and, with an idempotency key, its record under
`(exercise_id, seat, key)`. All of it commits or none of it does.

- SQLite: one statement as well, an INSERT of the event into the view `appends`, whose INSTEAD OF
  trigger moves the head from the version the writer read (aborting with `head moved` when it is
  no longer there, or the exercise is read-only), writes the status and next due time only when
  they changed, inserts the event and, with a key, the idempotency record (migration 0004). Run on the event
  loop's thread (no round trip to pay), it is one call into SQLite instead of six (BEGIN, four
  statements, COMMIT), each of which cost a few microseconds of the sqlite3 module's own work; a
  statement is atomic on its own. A batch inserts its events but the last straight into `events`
  and the last through the view, in one transaction (the trigger's head check then covers them
  all: nobody else writes inside it, and a seq taken already fails the events' primary key).
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

SQLITE_APPEND = ("INSERT INTO appends (exercise_id, seq, id, type, version, actor, exercise_time, recorded_at, audience, "
                 "data, hash, nonce, head_seq, status, next_due_wall, key_seat, key, key_request_hash, key_first_seq, "
                 "key_created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
_NO_KEY = (None, None, None, None, None)  # the key columns of a row that carries no idempotency key


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
    if dialect == "postgresql":
        head = (last[1], last[10], status, next_due_wall, exercise_id, expected_version, False)
        columns = [list(c) for c in zip(*rows)][1:]  # one array per column, the exercise id left out
        sql = PG_APPEND[idempotency is not None, not in_turn]
        if idempotency is None:
            return [Statement(sql, (*head, *columns), expect_rows=1)]
        return [Statement(sql, (*head, *columns, idempotency.seat, idempotency.key, idempotency.request_hash,
                                rows[0][1], last[1], created_at), expect_rows=1)]
    if idempotency is None:
        keyed = _NO_KEY
    else:
        keyed = (idempotency.seat, idempotency.key, idempotency.request_hash, rows[0][1], created_at)
    append = Statement(SQLITE_APPEND, (*last, expected_version, status, next_due_wall, *keyed))
    if len(rows) == 1:
        return [append]
    return [Statement(INSERT_EVENT, rows[:-1], many=True), append]
