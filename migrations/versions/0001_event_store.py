"""Event store: exercises, events, seats, idempotency keys, snapshots.

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""
from alembic import op
import sqlalchemy as sa

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "exercises",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("scenario_id", sa.String(64), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("read_only", sa.Boolean, nullable=False),
        sa.Column("origin", sa.Text, nullable=True),
        sa.Column("head_seq", sa.Integer, nullable=False),
        sa.Column("head_hash", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("next_due_wall", sa.Float, nullable=True),
    )
    op.create_index("ix_exercises_next_due", "exercises", ["next_due_wall"])
    op.create_table(
        "events",
        sa.Column("exercise_id", sa.String(40), sa.ForeignKey("exercises.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("type", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("actor", sa.String(32), nullable=False),
        sa.Column("exercise_time", sa.Float, nullable=False),
        sa.Column("recorded_at", sa.BigInteger, nullable=False),
        sa.Column("audience", sa.Text, nullable=True),
        sa.Column("data", sa.Text, nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.create_table(
        "seats",
        sa.Column("exercise_id", sa.String(40), sa.ForeignKey("exercises.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("seat", sa.String(32), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.UniqueConstraint("token_hash", name="uq_seats_token_hash"),
    )
    op.create_table(
        "idempotency_keys",
        sa.Column("exercise_id", sa.String(40), sa.ForeignKey("exercises.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("seat", sa.String(32), primary_key=True),
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("first_seq", sa.Integer, nullable=False),
        sa.Column("last_seq", sa.Integer, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
    )
    op.create_table(
        "snapshots",
        sa.Column("exercise_id", sa.String(40), sa.ForeignKey("exercises.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("format", sa.Integer, nullable=False),
        sa.Column("state", sa.Text, nullable=False),
    )


def downgrade() -> None:
    for table in ("snapshots", "idempotency_keys", "seats", "events", "exercises"):
        op.drop_table(table)
