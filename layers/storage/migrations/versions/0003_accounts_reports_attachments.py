"""Accounts and API tokens, problem reports (Open311) with their history, photo attachments.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 22:24:52.685715
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

revision: str = '0003'
down_revision: Union[str, None] = '0002'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('users',
    sa.Column('id', sa.Integer(), sa.Identity(always=False), nullable=False),
    sa.Column('username', sa.Text(), nullable=False),
    sa.Column('display_name', sa.Text(), nullable=False),
    sa.Column('role', sa.Text(), nullable=False),
    sa.Column('department', sa.Text(), nullable=True, comment='责任单位; planners edit only its projects'),
    sa.Column('active', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("role IN ('viewer', 'inspector', 'planner', 'admin')", name=op.f('ck_users_role_allowed')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('username', name=op.f('uq_users_username')),
    comment='用户'
    )
    op.create_table('api_tokens',
    sa.Column('id', sa.Integer(), sa.Identity(always=False), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.Text(), nullable=False, comment='SHA-256 of the token'),
    sa.Column('label', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_api_tokens_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_tokens_token_hash')),
    comment='API 令牌（只存散列）'
    )
    op.create_index(op.f('ix_api_tokens_user_id'), 'api_tokens', ['user_id'], unique=False)
    op.create_table('attachments',
    sa.Column('id', sa.Text(), nullable=False, comment='random id, also the stored file name'),
    sa.Column('content_type', sa.Text(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.Text(), nullable=False),
    sa.Column('original_name', sa.Text(), nullable=True),
    sa.Column('uploaded_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['uploaded_by'], ['users.id'], name=op.f('fk_attachments_uploaded_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attachments')),
    comment='照片等附件'
    )
    op.create_geospatial_table('reports',
    sa.Column('id', sa.Integer(), sa.Identity(always=False), nullable=False),
    sa.Column('category', sa.Text(), nullable=False, comment='Open311 service_code'),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('status', sa.Text(), server_default='submitted', nullable=False),
    sa.Column('status_notes', sa.Text(), nullable=True),
    sa.Column('department', sa.Text(), nullable=False, comment='责任单位, assigned by rule'),
    sa.Column('assigned_by', sa.Text(), nullable=True, comment='which rule chose the department'),
    sa.Column('address', sa.Text(), nullable=True),
    sa.Column('geom', Geometry(geometry_type='POINT', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('reporter_id', sa.Integer(), nullable=True),
    sa.Column('reporter_name', sa.Text(), nullable=True),
    sa.Column('reporter_contact', sa.Text(), nullable=True),
    sa.Column('project_id', sa.Integer(), nullable=True),
    sa.Column('duplicate_of', sa.Integer(), nullable=True),
    sa.Column('photo_id', sa.Text(), nullable=True),
    sa.Column('requested_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.CheckConstraint("category IN ('garbage', 'illegal_dumping', 'water_source_sign', 'water_source_pollution', 'road_damage', 'public_toilet', 'greening_damage', 'channel_pollution', 'street_cleaning', 'other')", name=op.f('ck_reports_category_allowed')),
    sa.CheckConstraint("status IN ('submitted', 'assigned', 'in_progress', 'resolved', 'rejected', 'duplicate')", name=op.f('ck_reports_status_allowed')),
    sa.ForeignKeyConstraint(['duplicate_of'], ['reports.id'], name=op.f('fk_reports_duplicate_of_reports'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['photo_id'], ['attachments.id'], name=op.f('fk_reports_photo_id_attachments')),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_reports_project_id_projects'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['reporter_id'], ['users.id'], name=op.f('fk_reports_reporter_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reports'))
    )
    op.create_geospatial_index('idx_reports_geom', 'reports', ['geom'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_table('report_events',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('actor', sa.Text(), nullable=False),
    sa.Column('status', sa.Text(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('data', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.ForeignKeyConstraint(['report_id'], ['reports.id'], name=op.f('fk_report_events_report_id_reports'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_events')),
    comment='问题处置记录（只增不改）'
    )
    op.create_index(op.f('ix_report_events_report_id'), 'report_events', ['report_id'], unique=False)
    op.add_column('project_events', sa.Column('photo_id', sa.Text(), nullable=True, comment='evidence photo'))
    op.create_foreign_key(op.f('fk_project_events_photo_id_attachments'), 'project_events', 'attachments', ['photo_id'], ['id'])


def downgrade() -> None:
    op.drop_constraint(op.f('fk_project_events_photo_id_attachments'), 'project_events', type_='foreignkey')
    op.drop_column('project_events', 'photo_id')
    op.drop_index(op.f('ix_report_events_report_id'), table_name='report_events')
    op.drop_table('report_events')
    op.drop_geospatial_index('idx_reports_geom', table_name='reports', postgresql_using='gist', column_name='geom')
    op.drop_geospatial_table('reports')
    op.drop_table('attachments')
    op.drop_index(op.f('ix_api_tokens_user_id'), table_name='api_tokens')
    op.drop_table('api_tokens')
    op.drop_table('users')
