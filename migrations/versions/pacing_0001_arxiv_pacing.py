"""One row holding the instance's arXiv send slot, for processes that share only the database.

Revision ID: pacing_0001
Revises: ingest_0001
Create Date: 2026-12-04
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = 'pacing_0001'
down_revision: str | None = 'ingest_0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    table = op.create_table('arxiv_pacing',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('next_at', sa.Double(), nullable=False),
    sa.Column('holder', sa.String(length=64), nullable=True),
    sa.Column('held_until', sa.Double(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_arxiv_pacing'))
    )
    op.bulk_insert(table, [{'id': 1, 'next_at': 0.0}])


def downgrade() -> None:
    op.drop_table('arxiv_pacing')
