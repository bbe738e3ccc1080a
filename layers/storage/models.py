"""GeoAlchemy2 tables: one per catalogue layer, derived from its spec, plus the project ledger.

Layer tables are built from :data:`layers.storage.catalogue.LAYERS`, so a field added to a spec
appears here (and, through an Alembic migration, in the database) without a second
definition.  Geometries are stored in EPSG:4326 with a GiST index.
"""

from __future__ import annotations

import sqlalchemy as sa
from geoalchemy2 import Geometry
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

from layers.storage.catalogue import (
    CAMPAIGNS,
    CASE_DUTIES,
    LAYERS,
    REPORT_STATUSES,
    ROLES,
    STATUSES,
    get_layer,
)
from layers.storage.spec import STORED_TYPE, LayerSpec

#: The CRS every geometry is stored in (RFC 7946 GeoJSON's CRS).
STORAGE_SRID = 4326

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

_SQL_TYPES = {
    "text": sa.Text,
    "integer": sa.BigInteger,
    "real": sa.Float,
    "boolean": sa.Boolean,
    "date": sa.Date,
}


def _layer_table(spec: LayerSpec) -> sa.Table:
    columns = [
        sa.Column("fid", sa.Text, primary_key=True, comment="stable feature id from the source"),
        *(
            sa.Column(f.name, _SQL_TYPES[f.type], nullable=not f.required, comment=f.zh)
            for f in spec.fields
        ),
        sa.Column(
            "geom",
            Geometry(spec.stored_geometry_type, srid=STORAGE_SRID, spatial_index=True),
            nullable=False,
        ),
        sa.Column("source", sa.Text, comment="file the feature was imported from"),
        sa.Column("imported_at", sa.DateTime(timezone=True), server_default=sa.func.now(),
                  nullable=False),
    ]
    constraints = [
        sa.CheckConstraint(
            sa.text(f"{f.name} IN ({', '.join(repr(c) for c in f.choice_codes)})"),
            name=f"{f.name}_allowed",
        )
        for f in spec.fields
        if f.choices
    ]
    if spec.stored_geometry_type == "GEOMETRY":
        allowed = ", ".join(repr(STORED_TYPE[family]) for family in spec.geometry)
        constraints.append(
            sa.CheckConstraint(sa.text(f"GeometryType(geom) IN ({allowed})"), name="geom_type")
        )
    return sa.Table(spec.name, metadata, *columns, *constraints)


LAYER_TABLES: dict[str, sa.Table] = {spec.name: _layer_table(spec) for spec in LAYERS}

_status_codes = ", ".join(repr(s.code) for s in STATUSES)
_campaign_codes = ", ".join(repr(c.code) for c in CAMPAIGNS)

projects = sa.Table(
    "projects",
    metadata,
    sa.Column("id", sa.Integer, sa.Identity(), primary_key=True),
    sa.Column("code", sa.Text, nullable=False, unique=True, comment="项目编号"),
    sa.Column("name", sa.Text, nullable=False, comment="项目名称"),
    sa.Column("category", sa.Text, nullable=False, comment="项目类别"),
    sa.Column("campaigns", ARRAY(sa.Text), nullable=False, comment="所属创建"),
    sa.Column("department", sa.Text, nullable=False, comment="责任单位"),
    sa.Column("responsible", sa.Text, comment="责任人"),
    sa.Column("status", sa.Text, nullable=False, comment="状态"),
    sa.Column("progress", sa.SmallInteger, nullable=False, server_default="0", comment="进度%"),
    sa.Column("budget_wan", sa.Numeric(14, 2), comment="投资（万元）"),
    sa.Column("start_date", sa.Date, comment="开工日期"),
    sa.Column("due_date", sa.Date, comment="完成时限"),
    sa.Column("description", sa.Text, comment="建设内容"),
    sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(),
              nullable=False),
    sa.CheckConstraint(sa.text(f"status IN ({_status_codes})"), name="status_allowed"),
    sa.CheckConstraint(sa.text(f"campaigns <@ ARRAY[{_campaign_codes}]::text[]"),
                       name="campaigns_allowed"),
    sa.CheckConstraint(sa.text("progress BETWEEN 0 AND 100"), name="progress_range"),
    comment="创建项目台账",
)

project_features = sa.Table(
    "project_features",
    metadata,
    sa.Column("project_id", sa.Integer, sa.ForeignKey("projects.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("layer", sa.Text, primary_key=True),
    sa.Column("fid", sa.Text, primary_key=True),
    sa.CheckConstraint(
        sa.text(f"layer IN ({', '.join(repr(s.name) for s in LAYERS)})"), name="layer_known"
    ),
    sa.Index("ix_project_features_layer_fid", "layer", "fid"),
    comment="项目与要素的关联",
)

project_events = sa.Table(
    "project_events",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("project_id", sa.Integer, sa.ForeignKey("projects.id", ondelete="CASCADE"),
              nullable=False, index=True),
    sa.Column("at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column("actor", sa.Text, nullable=False),
    sa.Column("kind", sa.Text, nullable=False, comment="import, status, progress, note, photo"),
    sa.Column("status", sa.Text),
    sa.Column("progress", sa.SmallInteger),
    sa.Column("note", sa.Text),
    sa.Column("data", JSONB, comment="the fields this event changed, old and new"),
    sa.Column("photo_id", sa.Text, sa.ForeignKey("attachments.id"), comment="evidence photo"),
    comment="项目变更记录（只增不改）",
)


def _codes(choices) -> str:
    return ", ".join(repr(c.code) for c in choices)


users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.Integer, sa.Identity(), primary_key=True),
    sa.Column("username", sa.Text, nullable=False, unique=True),
    sa.Column("display_name", sa.Text, nullable=False),
    sa.Column("role", sa.Text, nullable=False),
    sa.Column("department", sa.Text, comment="责任单位; planners edit only its projects"),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(),
              nullable=False),
    sa.Column("password_hash", sa.Text,
              comment="werkzeug salted hash (NULL: no sign-in on the pages)"),
    sa.Column("duties", ARRAY(sa.Text), nullable=False, server_default="{}",
              comment="案件职责: dispatcher 受理员, handler 处置单位, supervisor 监督员, leader 领导"),
    sa.CheckConstraint(sa.text(f"role IN ({_codes(ROLES)})"), name="role_allowed"),
    sa.CheckConstraint(sa.text(f"duties <@ ARRAY[{_codes(CASE_DUTIES)}]::text[]"),
                       name="duties_allowed"),
    comment="用户",
)

api_tokens = sa.Table(
    "api_tokens",
    metadata,
    sa.Column("id", sa.Integer, sa.Identity(), primary_key=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"),
              nullable=False, index=True),
    sa.Column("token_hash", sa.Text, nullable=False, unique=True, comment="SHA-256 of the token"),
    sa.Column("label", sa.Text),
    sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(),
              nullable=False),
    sa.Column("last_used_at", sa.DateTime(timezone=True)),
    sa.Column("revoked_at", sa.DateTime(timezone=True)),
    sa.Column("expires_at", sa.DateTime(timezone=True),
              comment="the token stops working then (NULL: never)"),
    comment="API 令牌（只存散列）",
)

attachments = sa.Table(
    "attachments",
    metadata,
    sa.Column("id", sa.Text, primary_key=True, comment="random id, also the stored file name"),
    sa.Column("content_type", sa.Text, nullable=False),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("sha256", sa.Text, nullable=False),
    sa.Column("original_name", sa.Text),
    sa.Column("uploaded_by", sa.Integer, sa.ForeignKey("users.id")),
    sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(),
              nullable=False),
    comment="照片等附件",
)

#: 案件类别: parts (部件) and events (事件) of the digital urban management standards, as
#: data an admin edits; every version is kept in case_category_versions.
case_categories = sa.Table(
    "case_categories",
    metadata,
    sa.Column("code", sa.Text, primary_key=True, comment="Open311 service_code"),
    sa.Column("kind", sa.Text, nullable=False, comment="part 部件 / event 事件"),
    sa.Column("major_code", sa.Text, nullable=False, comment="大类代码"),
    sa.Column("major_name", sa.Text, nullable=False, comment="大类名称"),
    sa.Column("minor_code", sa.Text, nullable=False, comment="小类代码"),
    sa.Column("minor_name", sa.Text, nullable=False, comment="小类名称"),
    sa.Column("name", sa.Text, nullable=False, comment="显示名称"),
    sa.Column("name_en", sa.Text, nullable=False),
    sa.Column("data", JSONB, nullable=False,
              comment="立案条件, 结案条件, 时限, 责任单位, 位置规则, 问题 (the whole definition)"),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(),
              nullable=False),
    sa.Column("updated_by", sa.Text, nullable=False, comment="a user, or 'seed'"),
    sa.CheckConstraint(sa.text("kind IN ('part', 'event')"), name="kind_allowed"),
    comment="案件类别（部件/事件）",
)

case_category_versions = sa.Table(
    "case_category_versions",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("code", sa.Text, sa.ForeignKey("case_categories.code", ondelete="CASCADE"),
              nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("definition", JSONB, nullable=False, comment="the category as it was"),
    sa.Column("changed_by", sa.Text, nullable=False),
    sa.Column("changed_at", sa.DateTime(timezone=True), server_default=sa.func.now(),
              nullable=False),
    sa.Column("note", sa.Text),
    sa.UniqueConstraint("code", "version", name="uq_case_category_versions_code_version"),
    comment="案件类别的每个版本（只增不改）",
)

#: 万米单元网格 (CJ/T 213): cells of about 100 m x 100 m, each with its supervisor.
grid_cells = sa.Table(
    "grid_cells",
    metadata,
    sa.Column("id", sa.Integer, sa.Identity(), primary_key=True),
    sa.Column("code", sa.Text, nullable=False, unique=True, comment="单元网格编码"),
    sa.Column("geom", Geometry("POLYGON", srid=STORAGE_SRID, spatial_index=True),
              nullable=False),
    sa.Column("community", sa.Text, comment="社区"),
    sa.Column("street", sa.Text, comment="街道办事处"),
    sa.Column("supervisor_id", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL"),
              comment="监督员"),
    sa.Column("source", sa.Text, nullable=False, server_default="generated"),
    comment="单元网格",
)

#: 问题上报 / 案件: a report is a case from its first step (上报) to 结案; Open311 clients
#: see it as a service request.
reports = sa.Table(
    "reports",
    metadata,
    sa.Column("id", sa.Integer, sa.Identity(), primary_key=True),
    sa.Column("category", sa.Text, sa.ForeignKey("case_categories.code"), nullable=False,
              comment="Open311 service_code"),
    sa.Column("category_version", sa.Integer, comment="the category's version the clock uses"),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("status", sa.Text, nullable=False, server_default="reported"),
    sa.Column("status_notes", sa.Text),
    sa.Column("department", sa.Text, nullable=False, comment="责任单位, assigned by rule"),
    sa.Column("assigned_by", sa.Text, comment="which rule chose the department"),
    sa.Column("address", sa.Text),
    sa.Column("geom", Geometry("POINT", srid=STORAGE_SRID, spatial_index=True), nullable=False),
    sa.Column("reporter_id", sa.Integer, sa.ForeignKey("users.id")),
    sa.Column("reporter_name", sa.Text),
    sa.Column("reporter_contact", sa.Text),
    sa.Column("project_id", sa.Integer, sa.ForeignKey("projects.id", ondelete="SET NULL")),
    sa.Column("duplicate_of", sa.Integer, sa.ForeignKey("reports.id", ondelete="SET NULL")),
    sa.Column("photo_id", sa.Text, sa.ForeignKey("attachments.id")),
    sa.Column("requested_at", sa.DateTime(timezone=True), server_default=sa.func.now(),
              nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(),
              nullable=False),
    sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    # where
    sa.Column("cell_id", sa.Integer, sa.ForeignKey("grid_cells.id", ondelete="SET NULL"),
              index=True, comment="单元网格"),
    sa.Column("community", sa.Text, comment="社区"),
    sa.Column("street", sa.Text, comment="街道办事处"),
    sa.Column("feature_layer", sa.Text, comment="the feature the case is about (部件)"),
    sa.Column("feature_fid", sa.Text),
    sa.Column("tracking_code", sa.Text, unique=True, comment="查询码 for the reporter"),
    # the clock (working minutes; it runs while the case is with the unit)
    sa.Column("time_limit_min", sa.Integer, comment="处置时限, working minutes"),
    sa.Column("extension_min", sa.Integer, nullable=False, server_default="0",
              comment="延期 approved, working minutes"),
    sa.Column("extension_requested_min", sa.Integer, comment="延期 asked and not yet decided"),
    sa.Column("clock_used_min", sa.Float, nullable=False, server_default="0"),
    sa.Column("clock_since", sa.DateTime(timezone=True), comment="running since (NULL: stopped)"),
    sa.Column("deadline_at", sa.DateTime(timezone=True),
              comment="when the limit runs out if the clock keeps running"),
    sa.Column("warn_at", sa.DateTime(timezone=True), comment="80 % of the limit"),
    sa.Column("filed_at", sa.DateTime(timezone=True), comment="立案"),
    sa.Column("dispatched_at", sa.DateTime(timezone=True), comment="first 派遣"),
    sa.Column("handled_at", sa.DateTime(timezone=True), comment="last 处置 reported"),
    sa.Column("closed_at", sa.DateTime(timezone=True), comment="结案"),
    sa.Column("handler_id", sa.Integer, sa.ForeignKey("users.id"), comment="who reported 处置"),
    sa.Column("handled_on_time", sa.Boolean, comment="the last 处置 came within the limit"),
    sa.Column("rework_count", sa.Integer, nullable=False, server_default="0"),
    sa.Column("escalated_at", sa.DateTime(timezone=True), comment="督办"),
    sa.Column("rating", sa.Text, comment="satisfied / fair / dissatisfied"),
    sa.Column("rated_at", sa.DateTime(timezone=True)),
    sa.Column("intake_ip_hash", sa.Text, comment="public intake: the sender's address, hashed"),
    sa.Column("intake_device_hash", sa.Text, comment="public intake: the device, hashed"),
    sa.CheckConstraint(sa.text(f"status IN ({_codes(c for c, _ in REPORT_STATUSES)})"),
                       name="status_allowed"),
    sa.CheckConstraint(sa.text("rating IN ('satisfied', 'fair', 'dissatisfied')"),
                       name="rating_allowed"),
    sa.Index("ix_reports_department_status", "department", "status"),
    # scoring takes the cases dispatched in a period
    sa.Index("ix_reports_dispatched_at", "dispatched_at"),
    sa.Index("ix_reports_intake_ip_hash", "intake_ip_hash", "requested_at"),
    sa.Index("ix_reports_intake_device_hash", "intake_device_hash", "requested_at"),
    comment="问题上报与案件",
)

report_events = sa.Table(
    "report_events",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("report_id", sa.Integer, sa.ForeignKey("reports.id", ondelete="CASCADE"),
              nullable=False, index=True),
    sa.Column("at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column("actor", sa.Text, nullable=False),
    sa.Column("status", sa.Text),
    sa.Column("note", sa.Text),
    sa.Column("data", JSONB),
    sa.Column("action", sa.Text, comment="the lifecycle step (accept, dispatch, handle...)"),
    sa.Column("actor_id", sa.Integer, sa.ForeignKey("users.id")),
    sa.Column("from_status", sa.Text),
    sa.Column("geom", Geometry("POINT", srid=STORAGE_SRID, spatial_index=False),
              comment="where the actor stood (核查 on site)"),
    sa.Column("photo_id", sa.Text, sa.ForeignKey("attachments.id")),
    # scoring counts a period's reworks: a few in a hundred events
    sa.Index("ix_report_events_reworks", "report_id", "at",
             postgresql_where=sa.text("action = 'rework'")),
    comment="问题处置记录（只增不改）",
)

#: 填报 for readiness (issue 15): a figure or yes/no with its date, its evidence and who
#: entered it; every entry is kept, the latest (by date, then entry) counts.
readiness_entries = sa.Table(
    "readiness_entries",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("title", sa.Text, nullable=False, comment="创建称号 (a campaign code)"),
    sa.Column("item", sa.Text, nullable=False, comment="the checklist item's key"),
    sa.Column("value_number", sa.Float, comment="a figure, in the item's unit"),
    sa.Column("value_bool", sa.Boolean, comment="a yes/no item"),
    sa.Column("as_of", sa.Date, nullable=False, comment="the date the value holds for"),
    sa.Column("evidence_id", sa.Text, sa.ForeignKey("attachments.id"),
              comment="an uploaded photo or document"),
    sa.Column("evidence_text", sa.Text, comment="a document's title and number (文号)"),
    sa.Column("note", sa.Text),
    sa.Column("entered_by", sa.Text, nullable=False),
    sa.Column("entered_by_id", sa.Integer, sa.ForeignKey("users.id")),
    sa.Column("entered_at", sa.DateTime(timezone=True), server_default=sa.func.now(),
              nullable=False),
    sa.CheckConstraint(sa.text("(value_number IS NULL) <> (value_bool IS NULL)"),
                       name="one_value"),
    sa.CheckConstraint(sa.text("evidence_id IS NOT NULL OR evidence_text IS NOT NULL"),
                       name="evidence_given"),
    sa.Index("ix_readiness_entries_title_item", "title", "item", "as_of"),
    comment="创建达标填报（只增不改）",
)

#: Each item's value on a date (``lianchuang snapshot``), for the trend and the projection.
readiness_snapshots = sa.Table(
    "readiness_snapshots",
    metadata,
    sa.Column("title", sa.Text, primary_key=True),
    sa.Column("item", sa.Text, primary_key=True),
    sa.Column("taken_on", sa.Date, primary_key=True),
    sa.Column("value", sa.Float, comment="yes/no items: 1 or 0"),
    sa.Column("status", sa.Text, nullable=False,
              comment="pass, fail, no_data, unverified_threshold"),
    sa.Column("threshold", sa.Float),
    sa.Column("taken_at", sa.DateTime(timezone=True), server_default=sa.func.now(),
              nullable=False),
    comment="创建达标快照",
)


inspection_routes = sa.Table(
    "inspection_routes",
    metadata,
    sa.Column("id", sa.Text, primary_key=True, comment="random id, in the files' URLs"),
    sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(),
              nullable=False),
    sa.Column("created_by", sa.Text, comment="who asked, when a token was given"),
    sa.Column("request", JSONB, nullable=False, comment="what was asked, as sent"),
    sa.Column("geojson", JSONB, nullable=False, comment="the route and its stops"),
    sa.Column("gpx", sa.Text, nullable=False),
    sa.Column("kml", sa.Text, nullable=False),
    sa.Column("stop_list", sa.Text, nullable=False, comment="printable HTML"),
    comment="巡查路线（生成结果，供下载 GPX/KML/清单）",
)


#: Every version of every feature of every layer (issue 16): written by the database's own
#: triggers on the layer tables (migration 0010), so an import, an edit on the map, the API and
#: a hand-typed SQL statement alike leave the previous state behind.  A version is the
#: feature's state during [valid_from, valid_to); a delete is a row of its own (``op``
#: ``delete``, the last geometry kept).  :mod:`layers.storage.versions` reads them.
feature_versions = sa.Table(
    "feature_versions",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("layer", sa.Text, nullable=False, comment="图层"),
    sa.Column("fid", sa.Text, nullable=False),
    sa.Column("version", sa.Integer, nullable=False, comment="1, 2, ... per feature"),
    sa.Column("op", sa.Text, nullable=False, comment="insert, update or delete"),
    sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False),
    sa.Column("valid_to", sa.DateTime(timezone=True),
              comment="when the next version replaced it; NULL: the current one"),
    sa.Column("geom", Geometry("GEOMETRY", srid=STORAGE_SRID, spatial_index=False)),
    sa.Column("attrs", JSONB, nullable=False, comment="every other column of the row"),
    sa.Column("actor", sa.Text, nullable=False, comment="who (a user name, or the database role)"),
    sa.Column("channel", sa.Text, nullable=False,
              comment="map, api, import, restore-version, cli or sql"),
    sa.Column("note", sa.Text, comment="why"),
    sa.UniqueConstraint("layer", "fid", "version"),
    sa.CheckConstraint("op IN ('insert', 'update', 'delete')", name="op_known"),
    sa.Index("ix_feature_versions_open", "layer", "fid", unique=True,
             postgresql_where=sa.text("valid_to IS NULL")),
    sa.Index("ix_feature_versions_period", "layer", "valid_from", "valid_to"),
    comment="要素的每个版本（由触发器写入，只增不改）",
)
#: Time travel's index (:func:`layers.storage.versions.as_of`): layer, period, geometry.
sa.Index("ix_feature_versions_when", feature_versions.c.layer,
         sa.func.tstzrange(sa.func.least(feature_versions.c.valid_from,
                                         feature_versions.c.valid_to),
                           feature_versions.c.valid_to),
         feature_versions.c.geom, postgresql_using="gist",
         postgresql_where=sa.text("op <> 'delete'"))


def layer_table(name: str) -> sa.Table:
    """The table of catalogue layer *name* (raises :class:`layers.storage.catalogue.UnknownLayer`)."""
    return LAYER_TABLES[get_layer(name).name]


#: Reference data ``lianchuang db init`` writes (the seeded case categories): a database that
#: holds only these is still empty.
SEED_TABLES = ("case_categories", "case_category_versions")


def filled_tables(conn: sa.Connection) -> list[str]:
    """The names of our tables that hold at least one row, the seeded reference data aside
    (none: an empty database)."""
    return [t.name for t in metadata.sorted_tables if t.name not in SEED_TABLES
            and conn.scalar(sa.select(sa.exists(sa.select(sa.literal(1)).select_from(t))))]
