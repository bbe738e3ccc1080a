"""API tokens expire: expires_at.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 17:20:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '0005'
down_revision: Union[str, None] = '0004'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.add_column('api_tokens', sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True,
                                          comment='the token stops working then (NULL: never)'))


def downgrade() -> None:
    op.drop_column('api_tokens', 'expires_at')
