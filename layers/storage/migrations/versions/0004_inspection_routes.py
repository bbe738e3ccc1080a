"""Inspection routes: each planned route kept with its GeoJSON, GPX, KML and stop list.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 23:22:33.454248
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0004'
down_revision: Union[str, None] = '0003'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('inspection_routes',
    sa.Column('id', sa.Text(), nullable=False, comment="random id, in the files' URLs"),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('created_by', sa.Text(), nullable=True, comment='who asked, when a token was given'),
    sa.Column('request', postgresql.JSONB(astext_type=sa.Text()), nullable=False, comment='what was asked, as sent'),
    sa.Column('geojson', postgresql.JSONB(astext_type=sa.Text()), nullable=False, comment='the route and its stops'),
    sa.Column('gpx', sa.Text(), nullable=False),
    sa.Column('kml', sa.Text(), nullable=False),
    sa.Column('stop_list', sa.Text(), nullable=False, comment='printable HTML'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inspection_routes')),
    comment='巡查路线（生成结果，供下载 GPX/KML/清单）'
    )


def downgrade() -> None:
    op.drop_table('inspection_routes')
