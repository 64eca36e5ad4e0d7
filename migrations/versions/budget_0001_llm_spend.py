"""Tokens charged per UTC day, reserved before a generation and settled after it.

Revision ID: budget_0001
Revises: names_0001
Create Date: 2026-12-04
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = 'budget_0001'
down_revision: str | None = 'names_0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('llm_spend',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('tokens', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('day', 'kind', name=op.f('pk_llm_spend'))
    )


def downgrade() -> None:
    op.drop_table('llm_spend')
