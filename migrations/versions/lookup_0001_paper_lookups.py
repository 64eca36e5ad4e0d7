"""Lookups of papers not stored yet, performed by a worker: one row per requested id.

Revision ID: lookup_0001
Revises: pacing_0001
Create Date: 2026-12-04
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = 'lookup_0001'
down_revision: str | None = 'pacing_0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('paper_lookups',
    sa.Column('arxiv_id', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('worker_id', sa.String(length=128), nullable=True),
    sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('pending', 'running', 'failed')", name=op.f('ck_paper_lookups_status')),
    sa.PrimaryKeyConstraint('arxiv_id', name=op.f('pk_paper_lookups'))
    )
    op.create_index('ix_paper_lookups_status_requested_at', 'paper_lookups', ['status', 'requested_at'])


def downgrade() -> None:
    op.drop_index('ix_paper_lookups_status_requested_at', table_name='paper_lookups')
    op.drop_table('paper_lookups')
