"""Baseline schema: papers, categories, announcements, listing fetch state, FAQs, counters.

Revision ID: 0001_baseline
Revises: 
Create Date: 2026-11-23
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0001_baseline'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('listings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('query', sa.String(length=512), nullable=False),
    sa.Column('etag', sa.String(length=255), nullable=True),
    sa.Column('last_modified', sa.String(length=64), nullable=True),
    sa.Column('last_success_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_announced_date', sa.Date(), nullable=True),
    sa.Column('next_check_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('error_count', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('last_error_url', sa.Text(), nullable=True),
    sa.Column('last_error_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('lease_owner', sa.String(length=128), nullable=True),
    sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_listings')),
    sa.UniqueConstraint('query', name=op.f('uq_listings_query'))
    )
    with op.batch_alter_table('listings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_listings_next_check_at'), ['next_check_at'], unique=False)

    op.create_table('papers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('arxiv_id', sa.String(length=64), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('authors', sa.JSON(), nullable=False),
    sa.Column('abstract', sa.Text(), nullable=False),
    sa.Column('comments', sa.Text(), nullable=True),
    sa.Column('journal_ref', sa.Text(), nullable=True),
    sa.Column('doi', sa.String(length=255), nullable=True),
    sa.Column('primary_category', sa.String(length=32), nullable=False),
    sa.Column('license', sa.String(length=255), nullable=True),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('stored_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_papers')),
    sa.UniqueConstraint('arxiv_id', name=op.f('uq_papers_arxiv_id'))
    )
    with op.batch_alter_table('papers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_papers_changed_at'), ['changed_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_papers_primary_category'), ['primary_category'], unique=False)

    op.create_table('unknown_ids',
    sa.Column('arxiv_id', sa.String(length=64), nullable=False),
    sa.Column('checked_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('arxiv_id', name=op.f('pk_unknown_ids'))
    )
    op.create_table('announcements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('paper_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('type', sa.String(length=16), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.CheckConstraint("type IN ('new', 'cross', 'replace', 'replace-cross')", name=op.f('ck_announcements_type')),
    sa.ForeignKeyConstraint(['paper_id'], ['papers.id'], name=op.f('fk_announcements_paper_id_papers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_announcements')),
    sa.UniqueConstraint('paper_id', 'category', 'date', name=op.f('uq_announcements_paper_id_category_date'))
    )
    with op.batch_alter_table('announcements', schema=None) as batch_op:
        batch_op.create_index('ix_announcements_category_date_position', ['category', 'date', 'position'], unique=False)
        batch_op.create_index('ix_announcements_date', ['date'], unique=False)

    op.create_table('faqs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('paper_id', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=16), nullable=False),
    sa.Column('prompt_version', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('priority', sa.Integer(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('markdown', sa.Text(), nullable=True),
    sa.Column('model', sa.String(length=128), nullable=True),
    sa.Column('input_kind', sa.String(length=16), nullable=True),
    sa.Column('prompt_tokens', sa.Integer(), nullable=True),
    sa.Column('completion_tokens', sa.Integer(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('worker_id', sa.String(length=128), nullable=True),
    sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('not_before', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("input_kind IS NULL OR input_kind IN ('full_text', 'abstract')", name=op.f('ck_faqs_input_kind')),
    sa.CheckConstraint("status IN ('pending', 'running', 'done', 'failed')", name=op.f('ck_faqs_status')),
    sa.ForeignKeyConstraint(['paper_id'], ['papers.id'], name=op.f('fk_faqs_paper_id_papers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_faqs')),
    sa.UniqueConstraint('paper_id', 'language', 'prompt_version', name=op.f('uq_faqs_paper_id_language_prompt_version'))
    )
    with op.batch_alter_table('faqs', schema=None) as batch_op:
        batch_op.create_index('ix_faqs_status_priority', ['status', 'priority'], unique=False)

    op.create_table('paper_categories',
    sa.Column('paper_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['paper_id'], ['papers.id'], name=op.f('fk_paper_categories_paper_id_papers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('paper_id', 'category', name=op.f('pk_paper_categories'))
    )
    with op.batch_alter_table('paper_categories', schema=None) as batch_op:
        batch_op.create_index('ix_paper_categories_category', ['category'], unique=False)

    op.create_table('paper_counters',
    sa.Column('paper_id', sa.Integer(), nullable=False),
    sa.Column('pdf_opens', sa.Integer(), nullable=False),
    sa.Column('faq_opens', sa.Integer(), nullable=False),
    sa.Column('stars', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['paper_id'], ['papers.id'], name=op.f('fk_paper_counters_paper_id_papers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('paper_id', name=op.f('pk_paper_counters'))
    )


def downgrade() -> None:
    op.drop_table('paper_counters')
    with op.batch_alter_table('paper_categories', schema=None) as batch_op:
        batch_op.drop_index('ix_paper_categories_category')

    op.drop_table('paper_categories')
    with op.batch_alter_table('faqs', schema=None) as batch_op:
        batch_op.drop_index('ix_faqs_status_priority')

    op.drop_table('faqs')
    with op.batch_alter_table('announcements', schema=None) as batch_op:
        batch_op.drop_index('ix_announcements_date')
        batch_op.drop_index('ix_announcements_category_date_position')

    op.drop_table('announcements')
    op.drop_table('unknown_ids')
    with op.batch_alter_table('papers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_papers_primary_category'))
        batch_op.drop_index(batch_op.f('ix_papers_changed_at'))

    op.drop_table('papers')
    with op.batch_alter_table('listings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_listings_next_check_at'))

    op.drop_table('listings')
