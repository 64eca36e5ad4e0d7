"""Listings remember what their last check found (outcome, item count, skipped items).

Revision ID: ingest_0001
Revises: 0001_baseline
Create Date: 2026-11-23
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = 'ingest_0001'
down_revision: str | None = '0001_baseline'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('listings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_outcome', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('last_item_count', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('last_skipped', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('listings', schema=None) as batch_op:
        batch_op.drop_column('last_skipped')
        batch_op.drop_column('last_item_count')
        batch_op.drop_column('last_outcome')
