"""SQLite appends an event in one statement: an INSERT into the view `appends`, which a trigger
turns into the head's move, the event row and the idempotency record.

An append was six calls into SQLite from Python (BEGIN, move the head, the status, the event, the
key, COMMIT), each a few microseconds of the sqlite3 module's own work around SQLite's; now it is
one call, atomic on its own (a statement is its own transaction), as PostgreSQL's already was
(server/store/appending.py). The rows written are the same.

The trigger, for each row inserted into `appends` (the last, or only, event of an append; a batch
inserts the events before it into `events` first, in the same transaction):
- moves the exercise's head from `head_seq` (the version the writer read) to the row's seq and
  hash, if it is still there and the exercise is not read-only; else it aborts the statement with
  `head moved` (the optimistic concurrency check: a writer that read an older head, or a read-only
  exercise, changes nothing). `changes()` after the UPDATE, in the trigger's next statement, is
  the count of rows that UPDATE changed (SQLite's documented rule inside a trigger program);
- writes the status and the next due time only when they changed (`next_due_wall` is indexed: an
  UPDATE that sets it rewrites its index entry even to the same value);
- inserts the event;
- with a key (`key` not NULL; the last row of a command), inserts the idempotency record
  `first_seq`..`seq`; a key recorded already aborts the statement (its primary key).

PostgreSQL has no such view: its append is one statement already.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

VIEW = """CREATE VIEW appends AS SELECT
  e.exercise_id, e.seq, e.id, e.type, e.version, e.actor, e.exercise_time, e.recorded_at, e.audience, e.data, e.hash,
  e.nonce, x.head_seq, x.status, x.next_due_wall, k.seat AS key_seat, k."key" AS "key", k.request_hash AS key_request_hash,
  k.first_seq AS key_first_seq, k.created_at AS key_created_at
  FROM events e, exercises x, idempotency_keys k WHERE 0"""

TRIGGER = """CREATE TRIGGER appends_insert INSTEAD OF INSERT ON appends BEGIN
  UPDATE exercises SET head_seq = NEW.seq, head_hash = NEW.hash
    WHERE id = NEW.exercise_id AND head_seq = NEW.head_seq AND read_only = 0;
  SELECT RAISE(ABORT, 'head moved') WHERE changes() = 0;
  UPDATE exercises SET status = NEW.status, next_due_wall = NEW.next_due_wall
    WHERE id = NEW.exercise_id AND NOT (status IS NEW.status AND next_due_wall IS NEW.next_due_wall);
  INSERT INTO events (exercise_id, seq, id, type, version, actor, exercise_time, recorded_at, audience, data, hash, nonce)
    VALUES (NEW.exercise_id, NEW.seq, NEW.id, NEW.type, NEW.version, NEW.actor, NEW.exercise_time, NEW.recorded_at,
            NEW.audience, NEW.data, NEW.hash, NEW.nonce);
  INSERT INTO idempotency_keys (exercise_id, seat, "key", request_hash, first_seq, last_seq, created_at)
    SELECT NEW.exercise_id, NEW.key_seat, NEW."key", NEW.key_request_hash, NEW.key_first_seq, NEW.seq, NEW.key_created_at
    WHERE NEW."key" IS NOT NULL;
END"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute(VIEW)
    op.execute(TRIGGER)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("DROP TRIGGER appends_insert")
    op.execute("DROP VIEW appends")
