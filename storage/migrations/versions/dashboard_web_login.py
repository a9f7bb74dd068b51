"""dashboard: one-time login links, browser sessions, two indexes for completion figures

Revision ID: dashboard
Revises: whatsapp
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "dashboard"
down_revision = "whatsapp"
branch_labels = None
depends_on = None

# As in storage.models: the partial index's predicate, written the way the queries write it.
SKIPPED_SQLITE = "\"current\" = 1 AND json_extract(value, '$.skipped') = 1"
SKIPPED_POSTGRES = "\"current\" AND (value ->> 'skipped') = 'true'"

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "dashboard_links",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dashboard_links")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_dashboard_links_token_hash")),
    )
    op.create_table(
        "dashboard_sessions",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dashboard_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_dashboard_sessions_token_hash")),
    )
    with op.batch_alter_table("dashboard_sessions", schema=None) as batch_op:
        batch_op.create_index("ix_dashboard_sessions_member", ["platform", "user_id"], unique=False)
    with op.batch_alter_table("answers", schema=None) as batch_op:
        batch_op.create_index(
            "ix_answers_session_stakeholder", ["session_key", "current", "stakeholder_id"]
        )
        batch_op.create_index(
            "ix_answers_skipped",
            ["session_key", "question_key"],
            sqlite_where=sa.text(SKIPPED_SQLITE),
            postgresql_where=sa.text(SKIPPED_POSTGRES),
        )


def downgrade() -> None:
    with op.batch_alter_table("answers", schema=None) as batch_op:
        batch_op.drop_index("ix_answers_skipped")
        batch_op.drop_index("ix_answers_session_stakeholder")
    with op.batch_alter_table("dashboard_sessions", schema=None) as batch_op:
        batch_op.drop_index("ix_dashboard_sessions_member")
    op.drop_table("dashboard_sessions")
    op.drop_table("dashboard_links")
