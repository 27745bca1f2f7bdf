"""The directory reads the exercises newest first, a page at a time, from an index.

`list_exercises` orders by `(created_at DESC, id DESC)` and pages by the last (created_at, id) it
gave; without an index each page scanned and sorted the whole table. Both engines.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_exercises_created", "exercises", ["created_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_exercises_created", table_name="exercises")
