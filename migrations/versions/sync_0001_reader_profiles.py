"""Reader profiles behind secret sync links.

Revision ID: sync_0001
Revises: ranking_0001
Create Date: 2026-12-04
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = 'sync_0001'
down_revision: str | None = 'ranking_0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('reader_profiles',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('data', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('token_hash', name=op.f('pk_reader_profiles'))
    )


def downgrade() -> None:
    op.drop_table('reader_profiles')
