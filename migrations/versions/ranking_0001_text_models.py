"""For you's text model, fitted by the worker and loaded by web processes.

Revision ID: ranking_0001
Revises: budget_0001
Create Date: 2026-12-04
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op



revision: str = 'ranking_0001'
down_revision: str | None = 'budget_0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('text_models',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.String(length=32), nullable=False),
    sa.Column('papers', sa.Integer(), nullable=False),
    sa.Column('fitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('vocabulary', sa.Text(), nullable=False),
    sa.Column('weights', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_text_models'))
    )
    op.create_index(op.f('ix_text_models_version'), 'text_models', ['version'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_text_models_version'), table_name='text_models')
    op.drop_table('text_models')
