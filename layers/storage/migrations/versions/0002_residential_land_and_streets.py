"""Residential land (for park service coverage) and the street network (for routing).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 22:19:47.998172
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

revision: str = '0002'
down_revision: Union[str, None] = '0001'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


_LAYERS = ("'road_segments', 'parks', 'watercourses', 'shantytown_zones', "
           "'water_source_areas', 'green_spaces', 'built_up_area', 'communities', 'facilities'")


def _replace_layer_check(layers: str) -> None:
    """project_features.layer may name only existing layers: widen the check with them."""
    name = op.f("ck_project_features_layer_known")
    op.drop_constraint(name, "project_features", type_="check")
    op.create_check_constraint(name, "project_features", sa.text(f"layer IN ({layers})"))


def upgrade() -> None:
    op.create_geospatial_table('residential_land',
    sa.Column('fid', sa.Text(), nullable=False, comment='stable feature id from the source'),
    sa.Column('name', sa.Text(), nullable=True, comment='名称'),
    sa.Column('community', sa.Text(), nullable=True, comment='所在社区'),
    sa.Column('population', sa.BigInteger(), nullable=True, comment='居住人口'),
    sa.Column('geom', Geometry(geometry_type='MULTIPOLYGON', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('source', sa.Text(), nullable=True, comment='file the feature was imported from'),
    sa.Column('imported_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('fid', name=op.f('pk_residential_land'))
    )
    op.create_geospatial_index('idx_residential_land_geom', 'residential_land', ['geom'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_geospatial_table('streets',
    sa.Column('fid', sa.Text(), nullable=False, comment='stable feature id from the source'),
    sa.Column('name', sa.Text(), nullable=True, comment='名称'),
    sa.Column('road_class', sa.Text(), nullable=False, comment='道路等级'),
    sa.Column('oneway', sa.Boolean(), nullable=True, comment='单行'),
    sa.Column('speed_kmh', sa.Float(), nullable=True, comment='限速（km/h）'),
    sa.Column('geom', Geometry(geometry_type='MULTILINESTRING', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('source', sa.Text(), nullable=True, comment='file the feature was imported from'),
    sa.Column('imported_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("road_class IN ('expressway', 'national', 'arterial', 'collector', 'local', 'approach')", name=op.f('ck_streets_road_class_allowed')),
    sa.PrimaryKeyConstraint('fid', name=op.f('pk_streets'))
    )
    op.create_geospatial_index('idx_streets_geom', 'streets', ['geom'], unique=False, postgresql_using='gist', postgresql_ops={})
    _replace_layer_check(_LAYERS + ", 'residential_land', 'streets'")


def downgrade() -> None:
    _replace_layer_check(_LAYERS)
    op.drop_geospatial_index('idx_streets_geom', table_name='streets', postgresql_using='gist', column_name='geom')
    op.drop_geospatial_table('streets')
    op.drop_geospatial_index('idx_residential_land_geom', table_name='residential_land', postgresql_using='gist', column_name='geom')
    op.drop_geospatial_table('residential_land')
