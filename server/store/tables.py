"""Table definitions (SQLAlchemy Core). The schema is made only by the Alembic migrations in
`migrations/`; these objects describe it for queries, and a test checks the two agree."""

from __future__ import annotations

from sqlalchemy import (BigInteger, Boolean, Column, Float, ForeignKey, Index, Integer, MetaData, String, Table, Text,
                        UniqueConstraint)

metadata = MetaData()

exercises = Table(
    "exercises", metadata,
    Column("id", String(40), primary_key=True),
    Column("scenario_id", String(64), nullable=False),
    Column("title", String(300), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("read_only", Boolean, nullable=False, default=False),
    Column("origin", Text, nullable=True),  # JSON: where a fork or an import came from
    Column("head_seq", Integer, nullable=False, default=0),
    Column("head_hash", String(64), nullable=False),
    Column("status", String(16), nullable=False),
    Column("next_due_wall", Float, nullable=True),  # when the scheduler must next look at it
)
Index("ix_exercises_next_due", exercises.c.next_due_wall)
Index("ix_exercises_created", exercises.c.created_at, exercises.c.id)  # the directory's order: migration 0005

events = Table(
    "events", metadata,
    Column("exercise_id", String(40), ForeignKey("exercises.id", ondelete="CASCADE"), primary_key=True),
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("id", String(36), nullable=False),
    Column("type", String(64), nullable=False),
    Column("version", Integer, nullable=False),
    Column("actor", String(32), nullable=False),
    Column("exercise_time", Float, nullable=False),
    Column("recorded_at", BigInteger, nullable=False),  # epoch milliseconds
    Column("audience", Text, nullable=True),  # JSON list, or NULL for everyone
    Column("data", Text, nullable=False),  # JSON object, exactly as hashed
    Column("hash", String(64), nullable=False),
    Column("nonce", String(64), nullable=True),  # hex, hashed with the event; NULL for events from before it
)

seats = Table(
    "seats", metadata,
    Column("exercise_id", String(40), ForeignKey("exercises.id", ondelete="CASCADE"), primary_key=True),
    Column("seat", String(32), primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("name", String(300), nullable=False),
    Column("token_hash", String(64), nullable=False),
    UniqueConstraint("token_hash", name="uq_seats_token_hash"),
)

idempotency = Table(
    "idempotency_keys", metadata,
    Column("exercise_id", String(40), ForeignKey("exercises.id", ondelete="CASCADE"), primary_key=True),
    Column("seat", String(32), primary_key=True),
    Column("key", String(200), primary_key=True),
    Column("request_hash", String(64), nullable=False),
    Column("first_seq", Integer, nullable=False),
    Column("last_seq", Integer, nullable=False),
    Column("created_at", Float, nullable=False),
    sqlite_with_rowid=False,  # one b-tree, clustered on the (random) key: migration 0003
)

snapshots = Table(
    "snapshots", metadata,
    Column("exercise_id", String(40), ForeignKey("exercises.id", ondelete="CASCADE"), primary_key=True),
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("format", Integer, nullable=False),
    Column("state", Text, nullable=False),
)
