"""Layer tables from the catalogue specs, and the project ledger (projects, features, events).

Revision ID: 0001
Revises: 
Create Date: 2026-11-22 22:10:15.516888
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

revision: str = '0001'
down_revision: Union[str, None] = None
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    
    op.create_geospatial_table('built_up_area',
    sa.Column('fid', sa.Text(), nullable=False, comment='stable feature id from the source'),
    sa.Column('name', sa.Text(), nullable=False, comment='名称'),
    sa.Column('year', sa.BigInteger(), nullable=True, comment='划定年份'),
    sa.Column('population', sa.BigInteger(), nullable=True, comment='城区常住人口'),
    sa.Column('geom', Geometry(geometry_type='MULTIPOLYGON', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('source', sa.Text(), nullable=True, comment='file the feature was imported from'),
    sa.Column('imported_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('fid', name=op.f('pk_built_up_area'))
    )
    op.create_geospatial_index('idx_built_up_area_geom', 'built_up_area', ['geom'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_geospatial_table('communities',
    sa.Column('fid', sa.Text(), nullable=False, comment='stable feature id from the source'),
    sa.Column('name', sa.Text(), nullable=False, comment='名称'),
    sa.Column('street', sa.Text(), nullable=False, comment='所属街道'),
    sa.Column('population', sa.BigInteger(), nullable=False, comment='常住人口'),
    sa.Column('res_share', sa.Float(), nullable=True, comment='居住用地比例'),
    sa.Column('geom', Geometry(geometry_type='MULTIPOLYGON', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('source', sa.Text(), nullable=True, comment='file the feature was imported from'),
    sa.Column('imported_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('fid', name=op.f('pk_communities'))
    )
    op.create_geospatial_index('idx_communities_geom', 'communities', ['geom'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_geospatial_table('facilities',
    sa.Column('fid', sa.Text(), nullable=False, comment='stable feature id from the source'),
    sa.Column('name', sa.Text(), nullable=False, comment='名称'),
    sa.Column('kind', sa.Text(), nullable=False, comment='设施类型'),
    sa.Column('status', sa.Text(), nullable=True, comment='设施状态'),
    sa.Column('note', sa.Text(), nullable=True, comment='备注'),
    sa.Column('geom', Geometry(geometry_type='POINT', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('source', sa.Text(), nullable=True, comment='file the feature was imported from'),
    sa.Column('imported_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("kind IN ('public_toilet', 'garbage_point', 'litter_bin', 'transfer_station', 'market', 'landfill', 'water_intake', 'marker')", name=op.f('ck_facilities_kind_allowed')),
    sa.CheckConstraint("status IN ('existing', 'planned')", name=op.f('ck_facilities_status_allowed')),
    sa.PrimaryKeyConstraint('fid', name=op.f('pk_facilities'))
    )
    op.create_geospatial_index('idx_facilities_geom', 'facilities', ['geom'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_geospatial_table('green_spaces',
    sa.Column('fid', sa.Text(), nullable=False, comment='stable feature id from the source'),
    sa.Column('name', sa.Text(), nullable=True, comment='名称'),
    sa.Column('green_cls', sa.Text(), nullable=False, comment='绿地类别'),
    sa.Column('veg_ratio', sa.Float(), nullable=True, comment='植被覆盖比例'),
    sa.Column('note', sa.Text(), nullable=True, comment='备注'),
    sa.Column('geom', Geometry(geometry_type='MULTIPOLYGON', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('source', sa.Text(), nullable=True, comment='file the feature was imported from'),
    sa.Column('imported_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("green_cls IN ('G11', 'G12', 'G13', 'G14', 'G2', 'G3', 'XG', 'EG')", name=op.f('ck_green_spaces_green_cls_allowed')),
    sa.PrimaryKeyConstraint('fid', name=op.f('pk_green_spaces'))
    )
    op.create_geospatial_index('idx_green_spaces_geom', 'green_spaces', ['geom'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_geospatial_table('parks',
    sa.Column('fid', sa.Text(), nullable=False, comment='stable feature id from the source'),
    sa.Column('name', sa.Text(), nullable=False, comment='名称'),
    sa.Column('park_class', sa.Text(), nullable=False, comment='公园类别'),
    sa.Column('historic', sa.Boolean(), nullable=True, comment='位于历史地段'),
    sa.Column('opened', sa.BigInteger(), nullable=True, comment='建成年份'),
    sa.Column('note', sa.Text(), nullable=True, comment='备注'),
    sa.Column('geom', Geometry(geometry_type='MULTIPOLYGON', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('source', sa.Text(), nullable=True, comment='file the feature was imported from'),
    sa.Column('imported_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("park_class IN ('G11', 'G12', 'G13', 'G14')", name=op.f('ck_parks_park_class_allowed')),
    sa.PrimaryKeyConstraint('fid', name=op.f('pk_parks'))
    )
    op.create_geospatial_index('idx_parks_geom', 'parks', ['geom'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_table('projects',
    sa.Column('id', sa.Integer(), sa.Identity(always=False), nullable=False),
    sa.Column('code', sa.Text(), nullable=False, comment='项目编号'),
    sa.Column('name', sa.Text(), nullable=False, comment='项目名称'),
    sa.Column('category', sa.Text(), nullable=False, comment='项目类别'),
    sa.Column('campaigns', postgresql.ARRAY(sa.Text()), nullable=False, comment='所属创建'),
    sa.Column('department', sa.Text(), nullable=False, comment='责任单位'),
    sa.Column('responsible', sa.Text(), nullable=True, comment='责任人'),
    sa.Column('status', sa.Text(), nullable=False, comment='状态'),
    sa.Column('progress', sa.SmallInteger(), server_default='0', nullable=False, comment='进度%'),
    sa.Column('budget_wan', sa.Numeric(precision=14, scale=2), nullable=True, comment='投资（万元）'),
    sa.Column('start_date', sa.Date(), nullable=True, comment='开工日期'),
    sa.Column('due_date', sa.Date(), nullable=True, comment='完成时限'),
    sa.Column('description', sa.Text(), nullable=True, comment='建设内容'),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("campaigns <@ ARRAY['national_sanitary', 'national_garden', 'provincial_eco_garden', 'provincial_eco', 'provincial_civilized', 'national_civilized']::text[]", name=op.f('ck_projects_campaigns_allowed')),
    sa.CheckConstraint("status IN ('planned', 'approved', 'in_progress', 'completed', 'accepted', 'suspended')", name=op.f('ck_projects_status_allowed')),
    sa.CheckConstraint('progress BETWEEN 0 AND 100', name=op.f('ck_projects_progress_range')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_projects')),
    sa.UniqueConstraint('code', name=op.f('uq_projects_code')),
    comment='创建项目台账'
    )
    op.create_geospatial_table('road_segments',
    sa.Column('fid', sa.Text(), nullable=False, comment='stable feature id from the source'),
    sa.Column('name', sa.Text(), nullable=False, comment='名称'),
    sa.Column('road_class', sa.Text(), nullable=False, comment='道路等级'),
    sa.Column('width_m', sa.Float(), nullable=True, comment='路幅宽度（米）'),
    sa.Column('lanes', sa.BigInteger(), nullable=True, comment='车道数'),
    sa.Column('oneway', sa.Boolean(), nullable=True, comment='单行'),
    sa.Column('reference', sa.Boolean(), nullable=True, comment='改造参照标准'),
    sa.Column('note', sa.Text(), nullable=True, comment='备注'),
    sa.Column('geom', Geometry(geometry_type='MULTILINESTRING', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('source', sa.Text(), nullable=True, comment='file the feature was imported from'),
    sa.Column('imported_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("road_class IN ('expressway', 'national', 'arterial', 'collector', 'local', 'approach')", name=op.f('ck_road_segments_road_class_allowed')),
    sa.PrimaryKeyConstraint('fid', name=op.f('pk_road_segments'))
    )
    op.create_geospatial_index('idx_road_segments_geom', 'road_segments', ['geom'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_geospatial_table('shantytown_zones',
    sa.Column('fid', sa.Text(), nullable=False, comment='stable feature id from the source'),
    sa.Column('name', sa.Text(), nullable=False, comment='名称'),
    sa.Column('households', sa.BigInteger(), nullable=True, comment='户数'),
    sa.Column('community', sa.Text(), nullable=True, comment='所在社区'),
    sa.Column('note', sa.Text(), nullable=True, comment='备注'),
    sa.Column('geom', Geometry(geometry_type='MULTIPOLYGON', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('source', sa.Text(), nullable=True, comment='file the feature was imported from'),
    sa.Column('imported_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('fid', name=op.f('pk_shantytown_zones'))
    )
    op.create_geospatial_index('idx_shantytown_zones_geom', 'shantytown_zones', ['geom'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_geospatial_table('water_source_areas',
    sa.Column('fid', sa.Text(), nullable=False, comment='stable feature id from the source'),
    sa.Column('name', sa.Text(), nullable=False, comment='名称'),
    sa.Column('zone_level', sa.Text(), nullable=False, comment='保护区级别'),
    sa.Column('src_type', sa.Text(), nullable=False, comment='水源类型'),
    sa.Column('backup', sa.Boolean(), nullable=True, comment='备用水源'),
    sa.Column('approved', sa.Boolean(), nullable=True, comment='已批复划定'),
    sa.Column('note', sa.Text(), nullable=True, comment='备注'),
    sa.Column('geom', Geometry(geometry_type='MULTIPOLYGON', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('source', sa.Text(), nullable=True, comment='file the feature was imported from'),
    sa.Column('imported_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("src_type IN ('river', 'reservoir', 'groundwater')", name=op.f('ck_water_source_areas_src_type_allowed')),
    sa.CheckConstraint("zone_level IN ('level1', 'level2', 'quasi')", name=op.f('ck_water_source_areas_zone_level_allowed')),
    sa.PrimaryKeyConstraint('fid', name=op.f('pk_water_source_areas'))
    )
    op.create_geospatial_index('idx_water_source_areas_geom', 'water_source_areas', ['geom'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_geospatial_table('watercourses',
    sa.Column('fid', sa.Text(), nullable=False, comment='stable feature id from the source'),
    sa.Column('name', sa.Text(), nullable=False, comment='名称'),
    sa.Column('kind', sa.Text(), nullable=False, comment='类型'),
    sa.Column('width_m', sa.Float(), nullable=True, comment='宽度（米）'),
    sa.Column('greened', sa.Boolean(), nullable=True, comment='岸线已绿化'),
    sa.Column('note', sa.Text(), nullable=True, comment='备注'),
    sa.Column('geom', Geometry(srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('source', sa.Text(), nullable=True, comment='file the feature was imported from'),
    sa.Column('imported_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("GeometryType(geom) IN ('MULTILINESTRING', 'MULTIPOLYGON')", name=op.f('ck_watercourses_geom_type')),
    sa.CheckConstraint("kind IN ('river', 'channel', 'stream')", name=op.f('ck_watercourses_kind_allowed')),
    sa.PrimaryKeyConstraint('fid', name=op.f('pk_watercourses'))
    )
    op.create_geospatial_index('idx_watercourses_geom', 'watercourses', ['geom'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_table('project_events',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('actor', sa.Text(), nullable=False),
    sa.Column('kind', sa.Text(), nullable=False, comment='import, status, progress, note, photo'),
    sa.Column('status', sa.Text(), nullable=True),
    sa.Column('progress', sa.SmallInteger(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('data', postgresql.JSONB(astext_type=sa.Text()), nullable=True, comment='the fields this event changed, old and new'),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_project_events_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project_events')),
    comment='项目变更记录（只增不改）'
    )
    op.create_index(op.f('ix_project_events_project_id'), 'project_events', ['project_id'], unique=False)
    op.create_table('project_features',
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('layer', sa.Text(), nullable=False),
    sa.Column('fid', sa.Text(), nullable=False),
    sa.CheckConstraint("layer IN ('road_segments', 'parks', 'watercourses', 'shantytown_zones', 'water_source_areas', 'green_spaces', 'built_up_area', 'communities', 'facilities')", name=op.f('ck_project_features_layer_known')),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_project_features_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('project_id', 'layer', 'fid', name=op.f('pk_project_features')),
    comment='项目与要素的关联'
    )
    op.create_index('ix_project_features_layer_fid', 'project_features', ['layer', 'fid'], unique=False)
    


def downgrade() -> None:
    
    op.drop_index('ix_project_features_layer_fid', table_name='project_features')
    op.drop_table('project_features')
    op.drop_index(op.f('ix_project_events_project_id'), table_name='project_events')
    op.drop_table('project_events')
    op.drop_geospatial_index('idx_watercourses_geom', table_name='watercourses', postgresql_using='gist', column_name='geom')
    op.drop_geospatial_table('watercourses')
    op.drop_geospatial_index('idx_water_source_areas_geom', table_name='water_source_areas', postgresql_using='gist', column_name='geom')
    op.drop_geospatial_table('water_source_areas')
    op.drop_geospatial_index('idx_shantytown_zones_geom', table_name='shantytown_zones', postgresql_using='gist', column_name='geom')
    op.drop_geospatial_table('shantytown_zones')
    op.drop_geospatial_index('idx_road_segments_geom', table_name='road_segments', postgresql_using='gist', column_name='geom')
    op.drop_geospatial_table('road_segments')
    op.drop_table('projects')
    op.drop_geospatial_index('idx_parks_geom', table_name='parks', postgresql_using='gist', column_name='geom')
    op.drop_geospatial_table('parks')
    op.drop_geospatial_index('idx_green_spaces_geom', table_name='green_spaces', postgresql_using='gist', column_name='geom')
    op.drop_geospatial_table('green_spaces')
    op.drop_geospatial_index('idx_facilities_geom', table_name='facilities', postgresql_using='gist', column_name='geom')
    op.drop_geospatial_table('facilities')
    op.drop_geospatial_index('idx_communities_geom', table_name='communities', postgresql_using='gist', column_name='geom')
    op.drop_geospatial_table('communities')
    op.drop_geospatial_index('idx_built_up_area_geom', table_name='built_up_area', postgresql_using='gist', column_name='geom')
    op.drop_geospatial_table('built_up_area')
    
