"""Cases (案件): categories as data with versions, the unit grid, duties, the lifecycle and clock.

A problem report becomes a case: its statuses are renamed to the lifecycle's steps
(submitted → reported, assigned and in_progress → dispatched, resolved → closed,
rejected → refused), its history is kept with one event saying what it was, and its
category moves from a fixed list to the case_categories table (the ten categories in use
are created here; ``lianchuang db init`` adds the rest from data/case_categories.json).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 03:00:00
"""
from typing import Sequence, Union

import geoalchemy2
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0007'
down_revision: Union[str, None] = '0006'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

_WATER = {"within": "water_source_areas", "unit": "县环保局"}
_STREET = {"within": "communities", "unit": "@street"}
#: The ten categories reports could have before, as they were (code, zh, en, kind, major,
#: minor, unit).  data/case_categories.json replaces these rows with the full definitions.
_EXISTING = [
    ("garbage", "垃圾堆积", "Garbage accumulation", "event", "01", "市容环境", "县城市管理局"),
    ("illegal_dumping", "乱倒垃圾/建筑垃圾", "Illegal dumping", "event", "01", "市容环境",
     "县城市管理局"),
    ("water_source_sign", "水源地界碑警示标识缺失", "Missing water-source marker or sign",
     "part", "06", "其他设施", "县环保局"),
    ("water_source_pollution", "水源地污染隐患", "Water-source pollution hazard", "event", "04",
     "突发事件", "县环保局"),
    ("road_damage", "道路破损", "Road damage", "event", "01", "市容环境", "县住建局"),
    ("public_toilet", "公厕缺失或不洁", "Missing or dirty public toilet", "part", "03",
     "市容环境", "县城市管理局"),
    ("greening_damage", "绿化损毁", "Damaged greenery", "part", "04", "园林绿化", "县住建局"),
    ("channel_pollution", "河道渠道污染", "Polluted river or channel", "event", "01",
     "市容环境", "县水利局"),
    ("street_cleaning", "道路保洁不到位", "Street not cleaned", "event", "01", "市容环境",
     "@street"),
    ("other", "其他", "Other", "event", "01", "市容环境", "@street"),
]
_STATUS_RENAMED = {"submitted": "reported", "assigned": "dispatched",
                   "in_progress": "dispatched", "resolved": "closed", "rejected": "refused"}
_NEW_STATUSES = ("reported", "filed", "dispatched", "handled", "verified", "suspended",
                 "closed", "refused", "duplicate")


def upgrade() -> None:
    op.create_table(
        'case_categories',
        sa.Column('code', sa.Text(), nullable=False, comment='Open311 service_code'),
        sa.Column('kind', sa.Text(), nullable=False, comment='part 部件 / event 事件'),
        sa.Column('major_code', sa.Text(), nullable=False, comment='大类代码'),
        sa.Column('major_name', sa.Text(), nullable=False, comment='大类名称'),
        sa.Column('minor_code', sa.Text(), nullable=False, comment='小类代码'),
        sa.Column('minor_name', sa.Text(), nullable=False, comment='小类名称'),
        sa.Column('name', sa.Text(), nullable=False, comment='显示名称'),
        sa.Column('name_en', sa.Text(), nullable=False),
        sa.Column('data', postgresql.JSONB(astext_type=sa.Text()), nullable=False,
                  comment='立案条件, 结案条件, 时限, 责任单位, 位置规则, 问题 (the whole definition)'),
        sa.Column('active', sa.Boolean(), server_default=sa.text('true'), nullable=False),
        sa.Column('version', sa.Integer(), server_default='1', nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'),
                  nullable=False),
        sa.Column('updated_by', sa.Text(), nullable=False, comment="a user, or 'seed'"),
        sa.CheckConstraint("kind IN ('part', 'event')", name=op.f('ck_case_categories_kind_allowed')),
        sa.PrimaryKeyConstraint('code', name=op.f('pk_case_categories')),
        comment='案件类别（部件/事件）',
    )
    op.create_table(
        'case_category_versions',
        sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column('code', sa.Text(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('definition', postgresql.JSONB(astext_type=sa.Text()), nullable=False,
                  comment='the category as it was'),
        sa.Column('changed_by', sa.Text(), nullable=False),
        sa.Column('changed_at', sa.DateTime(timezone=True), server_default=sa.text('now()'),
                  nullable=False),
        sa.Column('note', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['code'], ['case_categories.code'],
                                name=op.f('fk_case_category_versions_code_case_categories'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_case_category_versions')),
        sa.UniqueConstraint('code', 'version', name='uq_case_category_versions_code_version'),
        comment='案件类别的每个版本（只增不改）',
    )
    op.create_table(
        'grid_cells',
        sa.Column('id', sa.Integer(), sa.Identity(always=False), nullable=False),
        sa.Column('code', sa.Text(), nullable=False, comment='单元网格编码'),
        sa.Column('geom', geoalchemy2.types.Geometry(geometry_type='POLYGON', srid=4326,
                                                     spatial_index=False,
                                                     from_text='ST_GeomFromEWKT',
                                                     name='geometry', nullable=False),
                  nullable=False),
        sa.Column('community', sa.Text(), nullable=True, comment='社区'),
        sa.Column('street', sa.Text(), nullable=True, comment='街道办事处'),
        sa.Column('supervisor_id', sa.Integer(), nullable=True, comment='监督员'),
        sa.Column('source', sa.Text(), server_default='generated', nullable=False),
        sa.ForeignKeyConstraint(['supervisor_id'], ['users.id'],
                                name=op.f('fk_grid_cells_supervisor_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_grid_cells')),
        sa.UniqueConstraint('code', name=op.f('uq_grid_cells_code')),
        comment='单元网格',
    )
    op.create_index('idx_grid_cells_geom', 'grid_cells', ['geom'], unique=False,
                    postgresql_using='gist')

    categories = sa.table('case_categories', *(sa.column(c) for c in (
        'code', 'kind', 'major_code', 'major_name', 'minor_code', 'minor_name', 'name',
        'name_en', 'updated_by')), sa.column('data', postgresql.JSONB()))
    rows = []
    for code, zh, en, kind, major, major_name, unit in _EXISTING:
        rules = [_WATER] + ([_STREET] if unit == "@street" else [])
        data = {"filing_criteria": "", "closing_criteria": "", "time_limit": 5,
                "time_unit": "working_days", "default_unit": unit, "unit_rules": rules,
                "questions": [], "code_verified": False, "source_quote": None}
        rows.append({"code": code, "kind": kind, "major_code": major, "major_name": major_name,
                     "minor_code": "99", "minor_name": zh, "name": zh, "name_en": en,
                     "data": data, "updated_by": "migration 0007"})
    op.bulk_insert(categories, rows)
    op.execute(sa.text(
        "INSERT INTO case_category_versions (code, version, definition, changed_by, note) "
        "SELECT code, 1, to_jsonb(c) - 'updated_at', updated_by, "
        "'created from the fixed list of report categories' FROM case_categories c"))

    op.add_column('users', sa.Column(
        'duties', postgresql.ARRAY(sa.Text()), server_default='{}', nullable=False,
        comment='案件职责: dispatcher 受理员, handler 处置单位, supervisor 监督员, leader 领导'))
    op.create_check_constraint(
        op.f('ck_users_duties_allowed'), 'users',
        "duties <@ ARRAY['dispatcher', 'handler', 'supervisor', 'leader']::text[]")

    op.drop_constraint(op.f('ck_reports_category_allowed'), 'reports', type_='check')
    op.drop_constraint(op.f('ck_reports_status_allowed'), 'reports', type_='check')
    op.create_foreign_key(op.f('fk_reports_category_case_categories'), 'reports',
                          'case_categories', ['category'], ['code'])
    for name, column in (
        ('category_version', sa.Column('category_version', sa.Integer(),
                                       comment="the category's version the clock uses")),
        ('cell_id', sa.Column('cell_id', sa.Integer(), comment='单元网格')),
        ('community', sa.Column('community', sa.Text(), comment='社区')),
        ('street', sa.Column('street', sa.Text(), comment='街道办事处')),
        ('feature_layer', sa.Column('feature_layer', sa.Text(),
                                    comment='the feature the case is about (部件)')),
        ('feature_fid', sa.Column('feature_fid', sa.Text())),
        ('tracking_code', sa.Column('tracking_code', sa.Text(), comment='查询码 for the reporter')),
        ('time_limit_min', sa.Column('time_limit_min', sa.Integer(),
                                     comment='处置时限, working minutes')),
        ('extension_min', sa.Column('extension_min', sa.Integer(), server_default='0',
                                    nullable=False, comment='延期 approved, working minutes')),
        ('extension_requested_min', sa.Column('extension_requested_min', sa.Integer(),
                                              comment='延期 asked and not yet decided')),
        ('clock_used_min', sa.Column('clock_used_min', sa.Float(), server_default='0',
                                     nullable=False)),
        ('clock_since', sa.Column('clock_since', sa.DateTime(timezone=True),
                                  comment='running since (NULL: stopped)')),
        ('deadline_at', sa.Column('deadline_at', sa.DateTime(timezone=True),
                                  comment='when the limit runs out if the clock keeps running')),
        ('warn_at', sa.Column('warn_at', sa.DateTime(timezone=True), comment='80 % of the limit')),
        ('filed_at', sa.Column('filed_at', sa.DateTime(timezone=True), comment='立案')),
        ('dispatched_at', sa.Column('dispatched_at', sa.DateTime(timezone=True),
                                    comment='first 派遣')),
        ('handled_at', sa.Column('handled_at', sa.DateTime(timezone=True),
                                 comment='last 处置 reported')),
        ('closed_at', sa.Column('closed_at', sa.DateTime(timezone=True), comment='结案')),
        ('handler_id', sa.Column('handler_id', sa.Integer(), comment='who reported 处置')),
        ('handled_on_time', sa.Column('handled_on_time', sa.Boolean(),
                                      comment='the last 处置 came within the limit')),
        ('rework_count', sa.Column('rework_count', sa.Integer(), server_default='0',
                                   nullable=False)),
        ('escalated_at', sa.Column('escalated_at', sa.DateTime(timezone=True), comment='督办')),
        ('rating', sa.Column('rating', sa.Text(), comment='satisfied / fair / dissatisfied')),
        ('rated_at', sa.Column('rated_at', sa.DateTime(timezone=True))),
        ('intake_ip_hash', sa.Column('intake_ip_hash', sa.Text(),
                                     comment="public intake: the sender's address, hashed")),
        ('intake_device_hash', sa.Column('intake_device_hash', sa.Text(),
                                         comment='public intake: the device, hashed')),
    ):
        op.add_column('reports', column)
    op.create_foreign_key(op.f('fk_reports_cell_id_grid_cells'), 'reports', 'grid_cells',
                          ['cell_id'], ['id'], ondelete='SET NULL')
    op.create_foreign_key(op.f('fk_reports_handler_id_users'), 'reports', 'users',
                          ['handler_id'], ['id'])
    op.create_unique_constraint(op.f('uq_reports_tracking_code'), 'reports', ['tracking_code'])
    op.create_index(op.f('ix_reports_cell_id'), 'reports', ['cell_id'], unique=False)
    op.create_index('ix_reports_department_status', 'reports', ['department', 'status'],
                    unique=False)
    op.create_index('ix_reports_intake_ip_hash', 'reports', ['intake_ip_hash', 'requested_at'],
                    unique=False)
    op.create_index('ix_reports_intake_device_hash', 'reports',
                    ['intake_device_hash', 'requested_at'], unique=False)
    op.create_index('ix_reports_dispatched_at', 'reports', ['dispatched_at'], unique=False)
    op.alter_column('reports', 'status', server_default='reported')
    op.alter_column('reports', 'category', comment='Open311 service_code')
    op.create_table_comment('reports', '问题上报与案件')

    op.add_column('report_events', sa.Column(
        'action', sa.Text(), comment='the lifecycle step (accept, dispatch, handle...)'))
    op.add_column('report_events', sa.Column('actor_id', sa.Integer()))
    op.add_column('report_events', sa.Column('from_status', sa.Text()))
    op.add_column('report_events', sa.Column('geom', geoalchemy2.types.Geometry(
        geometry_type='POINT', srid=4326, spatial_index=False, from_text='ST_GeomFromEWKT',
        name='geometry'), comment='where the actor stood (核查 on site)'))
    op.add_column('report_events', sa.Column('photo_id', sa.Text()))
    op.create_foreign_key(op.f('fk_report_events_actor_id_users'), 'report_events', 'users',
                          ['actor_id'], ['id'])
    op.create_foreign_key(op.f('fk_report_events_photo_id_attachments'), 'report_events',
                          'attachments', ['photo_id'], ['id'])
    op.create_index('ix_report_events_reworks', 'report_events', ['report_id', 'at'],
                    unique=False, postgresql_where=sa.text("action = 'rework'"))

    # What each report was, said once in its history, then the new names.
    op.execute(sa.text(
        "INSERT INTO report_events (report_id, actor, status, note, action, from_status, data) "
        "SELECT id, '系统迁移', status, '转为案件；原状态：' || status, 'migrate', status, "
        "jsonb_build_object('status_before', status) FROM reports"))
    for old, new in _STATUS_RENAMED.items():
        op.execute(sa.text("UPDATE reports SET status = :new WHERE status = :old")
                   .bindparams(new=new, old=old))
        op.execute(sa.text("UPDATE report_events SET status = :new WHERE status = :old "
                           "AND action IS DISTINCT FROM 'migrate'").bindparams(new=new, old=old))
    op.execute(sa.text(
        "UPDATE report_events SET status = r.status FROM reports r "
        "WHERE report_events.report_id = r.id AND report_events.action = 'migrate'"))
    # Dates the scoring reads, from what is known.  A case dispatched before it had a clock
    # keeps none (time_limit_min NULL): it is shown without a limit, never as overdue.
    op.execute(sa.text(
        "UPDATE reports SET tracking_code = upper(substr(md5(random()::text || id::text), 1, 10)), "
        "filed_at = CASE WHEN status NOT IN ('reported', 'refused', 'duplicate') "
        "THEN requested_at END, "
        "dispatched_at = CASE WHEN status IN ('dispatched', 'closed') THEN updated_at END, "
        "closed_at = CASE WHEN status = 'closed' THEN updated_at END"))
    # A case's history is kept as written: no step is edited or removed afterwards.
    op.execute(sa.text(
        "CREATE FUNCTION report_events_kept() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN RAISE EXCEPTION 'a case''s history (report_events) is kept as written: "
        "take a new step instead of changing or removing one'; END $$"))
    op.execute(sa.text(
        "CREATE TRIGGER report_events_kept BEFORE UPDATE OR DELETE ON report_events "
        "FOR EACH ROW EXECUTE FUNCTION report_events_kept()"))
    op.create_check_constraint(op.f('ck_reports_status_allowed'), 'reports',
                               "status IN (" + ", ".join(f"'{s}'" for s in _NEW_STATUSES) + ")")
    op.create_check_constraint(op.f('ck_reports_rating_allowed'), 'reports',
                               "rating IN ('satisfied', 'fair', 'dissatisfied')")


def downgrade() -> None:
    raise NotImplementedError("cases cannot be turned back into plain reports without losing "
                              "their steps; restore a backup taken before 0007 instead")
