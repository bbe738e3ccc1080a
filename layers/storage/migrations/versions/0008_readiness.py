"""Readiness (issue 15): entered figures with their evidence, and snapshots over time.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 03:30:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '0008'
down_revision: Union[str, None] = '0007'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'readiness_entries',
        sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column('title', sa.Text(), nullable=False, comment='创建称号 (a campaign code)'),
        sa.Column('item', sa.Text(), nullable=False, comment="the checklist item's key"),
        sa.Column('value_number', sa.Float(), nullable=True,
                  comment="a figure, in the item's unit"),
        sa.Column('value_bool', sa.Boolean(), nullable=True, comment='a yes/no item'),
        sa.Column('as_of', sa.Date(), nullable=False, comment='the date the value holds for'),
        sa.Column('evidence_id', sa.Text(), nullable=True,
                  comment='an uploaded photo or document'),
        sa.Column('evidence_text', sa.Text(), nullable=True,
                  comment="a document's title and number (文号)"),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('entered_by', sa.Text(), nullable=False),
        sa.Column('entered_by_id', sa.Integer(), nullable=True),
        sa.Column('entered_at', sa.DateTime(timezone=True), server_default=sa.text('now()'),
                  nullable=False),
        sa.CheckConstraint('(value_number IS NULL) <> (value_bool IS NULL)',
                           name=op.f('ck_readiness_entries_one_value')),
        sa.CheckConstraint('evidence_id IS NOT NULL OR evidence_text IS NOT NULL',
                           name=op.f('ck_readiness_entries_evidence_given')),
        sa.ForeignKeyConstraint(['evidence_id'], ['attachments.id'],
                                name=op.f('fk_readiness_entries_evidence_id_attachments')),
        sa.ForeignKeyConstraint(['entered_by_id'], ['users.id'],
                                name=op.f('fk_readiness_entries_entered_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_readiness_entries')),
        comment='创建达标填报（只增不改）',
    )
    op.create_index('ix_readiness_entries_title_item', 'readiness_entries',
                    ['title', 'item', 'as_of'], unique=False)
    op.create_table(
        'readiness_snapshots',
        sa.Column('title', sa.Text(), nullable=False),
        sa.Column('item', sa.Text(), nullable=False),
        sa.Column('taken_on', sa.Date(), nullable=False),
        sa.Column('value', sa.Float(), nullable=True, comment='yes/no items: 1 or 0'),
        sa.Column('status', sa.Text(), nullable=False,
                  comment='pass, fail, no_data, unverified_threshold'),
        sa.Column('threshold', sa.Float(), nullable=True),
        sa.Column('taken_at', sa.DateTime(timezone=True), server_default=sa.text('now()'),
                  nullable=False),
        sa.PrimaryKeyConstraint('title', 'item', 'taken_on', name=op.f('pk_readiness_snapshots')),
        comment='创建达标快照',
    )


def downgrade() -> None:
    op.drop_table('readiness_snapshots')
    op.drop_index('ix_readiness_entries_title_item', table_name='readiness_entries')
    op.drop_table('readiness_entries')
