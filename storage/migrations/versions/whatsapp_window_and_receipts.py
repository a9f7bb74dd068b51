"""WhatsApp: each stakeholder's last message time, and delivery receipts on outbox messages

Revision ID: whatsapp
Revises: 0001
Create Date: 2026-12-01 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "whatsapp"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("stakeholders", sa.Column("last_inbound_at", sa.DateTime(timezone=True)))
    op.add_column("outbox", sa.Column("receipt", sa.String(length=16)))
    op.add_column("outbox", sa.Column("receipt_at", sa.DateTime(timezone=True)))


def downgrade() -> None:
    with op.batch_alter_table("outbox") as table:
        table.drop_column("receipt_at")
        table.drop_column("receipt")
    with op.batch_alter_table("stakeholders") as table:
        table.drop_column("last_inbound_at")
