"""Green coverage counts all vegetation (issue 15 item 5): street-tree canopy and bank planting.

``canopy_w`` on road_segments and streets: the projected crown width of the street-tree row
(行道树) on each side, in metres; ``bank_w`` on watercourses: the planted bank width on each
bank, in metres.  Both are nullable (empty: not surveyed / none), so existing rows stay valid.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 23:10:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '0009'
down_revision: Union[str, None] = '0008'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

_COLUMNS = (
    ('road_segments', 'canopy_w', '行道树树冠投影宽度（每侧，米）'),
    ('streets', 'canopy_w', '行道树树冠投影宽度（每侧，米）'),
    ('watercourses', 'bank_w', '岸线绿化宽度（每岸，米）'),
)


def upgrade() -> None:
    for table, column, comment in _COLUMNS:
        op.add_column(table, sa.Column(column, sa.Float(), nullable=True, comment=comment))


def downgrade() -> None:
    for table, column, _comment in reversed(_COLUMNS):
        op.drop_column(table, column)
