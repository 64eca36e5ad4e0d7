"""The fetch state of followed feeds is `arxiv_feeds` (it was `listings`, a word pages use for a
category's day of papers). Rows, ids and constraints carry over under the new name.

Revision ID: names_0001
Revises: lookup_0001
Create Date: 2026-12-04
"""
from collections.abc import Sequence

from alembic import op


revision: str = 'names_0001'
down_revision: str | None = 'lookup_0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _rename(old: str, new: str) -> None:
    op.rename_table(old, new)
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(f'ALTER TABLE {new} RENAME CONSTRAINT pk_{old} TO pk_{new}')
        op.execute(f'ALTER TABLE {new} RENAME CONSTRAINT uq_{old}_query TO uq_{new}_query')
        op.execute(f'ALTER INDEX ix_{old}_next_check_at RENAME TO ix_{new}_next_check_at')
        op.execute(f'ALTER SEQUENCE {old}_id_seq RENAME TO {new}_id_seq')
        return
    # SQLite keeps constraint names inside the table's definition: rebuild it under the new ones.
    with op.batch_alter_table(new, recreate='always') as batch:
        batch.drop_constraint(f'pk_{old}', type_='primary')
        batch.create_primary_key(f'pk_{new}', ['id'])
        batch.drop_constraint(f'uq_{old}_query', type_='unique')
        batch.create_unique_constraint(f'uq_{new}_query', ['query'])
        batch.drop_index(f'ix_{old}_next_check_at')
        batch.create_index(f'ix_{new}_next_check_at', ['next_check_at'], unique=False)


def upgrade() -> None:
    _rename('listings', 'arxiv_feeds')


def downgrade() -> None:
    _rename('arxiv_feeds', 'listings')
