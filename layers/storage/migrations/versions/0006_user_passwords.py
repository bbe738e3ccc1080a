"""People sign in with a password: users.password_hash.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 19:10:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '0006'
down_revision: Union[str, None] = '0005'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.add_column('users', sa.Column('password_hash', sa.Text(), nullable=True,
                                     comment='werkzeug salted hash (NULL: no sign-in on the pages)'))


def downgrade() -> None:
    op.drop_column('users', 'password_hash')
