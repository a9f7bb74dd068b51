"""replicas: a shared send pace per platform, leases, and an index to space one chat's messages

Revision ID: replicas
Revises: publication_opt_in
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "replicas"
down_revision = "publication_opt_in"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "send_pace",
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("next_at", sa.Float(), nullable=False),
        sa.Column("paused_until", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("platform", name=op.f("pk_send_pace")),
    )
    op.create_table(
        "leases",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("owner", sa.String(length=64), nullable=False),
        sa.Column("until", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_leases")),
    )
    op.create_index("ix_outbox_chat", "outbox", ["platform", "chat_id"])


def downgrade() -> None:
    op.drop_index("ix_outbox_chat", table_name="outbox")
    op.drop_table("leases")
    op.drop_table("send_pace")
