"""Publication opt-in: whether the organizers may publish a stakeholder's full answers

Revision ID: publication_opt_in
Revises: dashboard
Create Date: 2026-12-10 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "publication_opt_in"
down_revision = "dashboard"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Null for stakeholders registered before the question existed: never published.
    op.add_column("stakeholders", sa.Column("publication_consent", sa.Boolean()))


def downgrade() -> None:
    with op.batch_alter_table("stakeholders") as table:
        table.drop_column("publication_consent")
