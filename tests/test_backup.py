"""Backup into one GeoPackage and restore into an empty database: nothing lost, ids kept."""

from __future__ import annotations

import datetime as dt
import sqlite3
from decimal import Decimal

import pyogrio
import pytest
import sqlalchemy as sa
from geoalchemy2 import Geometry

from layers.exchange import backup as backup_module
from layers.exchange.backup import BackupRefused, backup, restore
from layers.storage.models import (
    LAYER_TABLES,
    api_tokens,
    attachments,
    grid_cells,
    inspection_routes,
    layer_table,
    metadata,
    project_events,
    projects,
    readiness_entries,
    readiness_snapshots,
    report_events,
    reports,
)
from layers.tracking import accounts

pytest_plugins = ["tests.factories"]

UTC = dt.timezone.utc


@pytest.fixture
def everything(city, clean_db):
    """The known city plus a row in every other table, with the awkward types filled in:
    microsecond timestamps, budgets, arrays, JSON, booleans, mixed geometry, a
    self-reference (a duplicate report) and a token."""
    with clean_db.begin() as conn:
        inspector = accounts.create_user(conn, "li", "李督查", "inspector", "县城管局")
        accounts.create_user(conn, "wang", "王规划", "planner", "住建局")
        token = accounts.issue_token(conn, "li", "手机")
        conn.execute(projects.update().where(projects.c.code == "DL-001").values(
            budget_wan=Decimal("1234.56"), start_date=dt.date(2024, 3, 1),
            description="铣刨重铺，人行道改造"))
        conn.execute(attachments.insert(), {
            "id": "a1b2c3", "content_type": "image/jpeg", "size": 1024, "sha256": "ab" * 32,
            "original_name": "现场.jpg", "uploaded_by": inspector.id,
            "created_at": dt.datetime(2024, 5, 2, 8, 30, 15, 123456, tzinfo=UTC)})
        conn.execute(project_events.insert(), {
            "project_id": city["DL-001"], "at": dt.datetime(2024, 5, 2, 9, 0, 0, 654321,
                                                            tzinfo=UTC),
            "actor": "李督查", "kind": "photo", "note": "现场照片", "photo_id": "a1b2c3",
            "data": {"progress": {"old": 40, "new": 45}, "标签": ["路面", "人行道"]}})
        cell = conn.execute(grid_cells.insert().returning(grid_cells.c.id), {
            "code": "610724001001-0001", "community": "东渡社区", "street": "城南街道",
            "supervisor_id": inspector.id, "geom": "SRID=4326;POLYGON((107.712 32.981,"
            "107.713 32.981,107.713 32.982,107.712 32.982,107.712 32.981))"}).scalar_one()
        first = conn.execute(reports.insert().returning(reports.c.id), {
            "category": "road_damage", "description": "路面坑槽", "department": "县住建局",
            "geom": "SRID=4326;POINT(107.7123456789 32.9812345678)",
            "reporter_id": inspector.id, "project_id": city["DL-001"],
            "photo_id": "a1b2c3", "status": "closed", "cell_id": cell,
            "community": "东渡社区", "street": "城南街道", "tracking_code": "ABCDEFGH23",
            "feature_layer": "road_segments", "feature_fid": "r1", "category_version": 1,
            "time_limit_min": 2100, "extension_min": 60, "clock_used_min": 123.5,
            "deadline_at": dt.datetime(2024, 5, 9, 9, 0, tzinfo=UTC),
            "warn_at": dt.datetime(2024, 5, 8, 9, 0, tzinfo=UTC),
            "filed_at": dt.datetime(2024, 5, 2, 9, 0, tzinfo=UTC),
            "dispatched_at": dt.datetime(2024, 5, 2, 9, 5, tzinfo=UTC),
            "handled_at": dt.datetime(2024, 5, 3, 9, 5, tzinfo=UTC),
            "closed_at": dt.datetime(2024, 5, 3, 10, 5, tzinfo=UTC), "handler_id": inspector.id,
            "handled_on_time": True, "rework_count": 1, "rating": "fair",
            "rated_at": dt.datetime(2024, 5, 4, 10, 5, tzinfo=UTC),
            "intake_ip_hash": "ab" * 16, "intake_device_hash": "cd" * 16}).scalar_one()
        conn.execute(report_events.insert(), {
            "report_id": first, "actor": "李督查", "actor_id": inspector.id, "action": "verify",
            "from_status": "handled", "status": "verified", "photo_id": "a1b2c3",
            "geom": "SRID=4326;POINT(107.7123 32.9812)", "data": {"distance_m": 12.5}})
        second = conn.execute(reports.insert().returning(reports.c.id), {
            "category": "road_damage", "description": "同一坑槽", "department": "县住建局",
            "geom": "SRID=4326;POINT(107.7123 32.9812)", "duplicate_of": first,
            "status": "duplicate"}).scalar_one()
        conn.execute(report_events.insert(), {"report_id": second, "actor": "李督查",
                                              "status": "duplicate", "data": {"of": first}})
        conn.execute(layer_table("road_segments").update()
                     .where(layer_table("road_segments").c.fid == "r1")
                     .values(width_m=24.5, lanes=4, oneway=False, reference=True))
        conn.execute(inspection_routes.insert(), {
            "id": "rt-1", "created_by": "李督查", "request": {"stops": 2, "标签": "巡查"},
            "geojson": {"type": "FeatureCollection", "features": []},
            "gpx": "<gpx/>", "kml": "<kml/>", "stop_list": "<ol><li>城南路</li></ol>"})
        conn.execute(readiness_entries.insert(), {
            "title": "national_garden", "item": "sewage_treatment_rate", "value_number": 91.25,
            "as_of": dt.date(2026, 11, 1), "evidence_id": "a1b2c3",
            "evidence_text": "县住建局《污水处理厂运行月报》2026年10月", "note": "月报",
            "entered_by": "王规划（住建局）", "entered_by_id": inspector.id,
            "entered_at": dt.datetime(2026, 11, 2, 8, 0, 0, 123456, tzinfo=UTC)})
        conn.execute(readiness_snapshots.insert(), {
            "title": "national_garden", "item": "sewage_treatment_rate",
            "taken_on": dt.date(2026, 11, 30), "value": 91.25, "status": "unverified_threshold",
            "threshold": None})
        conn.execute(layer_table("watercourses").insert(), [
            {"fid": "w1", "name": "牧马河", "kind": "river", "greened": True,
             "geom": "SRID=4326;MULTIPOLYGON(((107.7 32.9,107.8 32.9,107.8 32.91,107.7 32.9)))"},
            {"fid": "w2", "name": "东干渠", "kind": "channel", "greened": None,
             "geom": "SRID=4326;MULTILINESTRING((107.7 32.95,107.8 32.95))"}])
    return token


def snapshot(engine: sa.Engine) -> dict[str, list[tuple]]:
    """Every row of every table, in key order; geometry as its WKB with the SRID."""
    found = {}
    with engine.connect() as conn:
        for table in metadata.sorted_tables:
            columns = [sa.func.ST_AsEWKB(c) if isinstance(c.type, Geometry) else c
                       for c in table.columns]
            rows = conn.execute(sa.select(*columns).order_by(*table.primary_key.columns))
            found[table.name] = [tuple(bytes(v) if isinstance(v, memoryview) else v
                                       for v in row) for row in rows]
    return found


def empty(engine: sa.Engine) -> None:
    names = ", ".join(t.name for t in metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


def test_restore_gives_back_every_row_of_every_table(everything, clean_db, tmp_path):
    before = snapshot(clean_db)
    backup(clean_db, tmp_path / "backup.gpkg")
    empty(clean_db)
    restore(clean_db, tmp_path / "backup.gpkg")
    after = snapshot(clean_db)
    # Every table outside the layers holds rows here, so none is left out unnoticed (a new
    # table needs a row in the fixture); the layer tables are all built alike from their
    # specs, and one of each geometry kind (line, polygon, point, mixed) is filled.
    assert [name for name, rows in before.items() if not rows and name not in LAYER_TABLES] == []
    assert all(before[name] for name in ("road_segments", "parks", "facilities", "watercourses"))
    for name in before:
        assert after[name] == before[name], name


def test_tables_written_in_several_chunks_restore_whole(everything, clean_db, tmp_path,
                                                        monkeypatch):
    monkeypatch.setattr(backup_module, "CHUNK_ROWS", 2)
    before = snapshot(clean_db)
    backup(clean_db, tmp_path / "backup.gpkg")
    empty(clean_db)
    restore(clean_db, tmp_path / "backup.gpkg")
    assert snapshot(clean_db) == before


def test_restored_geometries_are_spatially_equal(everything, clean_db, tmp_path):
    position = list(reports.columns).index(reports.c.geom)
    before = {row[0]: row[position] for row in snapshot(clean_db)["reports"]}
    backup(clean_db, tmp_path / "backup.gpkg")
    empty(clean_db)
    restore(clean_db, tmp_path / "backup.gpkg")
    with clean_db.connect() as conn:
        for report_id, ewkb in before.items():
            assert conn.scalar(sa.select(sa.func.ST_Equals(
                reports.c.geom, sa.func.ST_GeomFromEWKB(ewkb))).where(reports.c.id == report_id))


def test_ids_continue_after_the_restored_ones(everything, clean_db, tmp_path):
    backup(clean_db, tmp_path / "backup.gpkg")
    empty(clean_db)
    restore(clean_db, tmp_path / "backup.gpkg")
    with clean_db.begin() as conn:
        largest = conn.scalar(sa.select(sa.func.max(projects.c.id)))
        new = conn.execute(projects.insert().returning(projects.c.id), {
            "code": "NEW-1", "name": "新项目", "category": "road", "campaigns": [],
            "department": "住建局", "status": "planned"}).scalar_one()
        assert new == largest + 1
        last_event = conn.scalar(sa.select(sa.func.max(report_events.c.id)))
        event = conn.execute(report_events.insert().returning(report_events.c.id),
                             {"report_id": 1, "actor": "t"}).scalar_one()
        assert (last_event, event) == (2, 3)


def test_restore_keeps_logins(everything, clean_db, tmp_path):
    backup(clean_db, tmp_path / "backup.gpkg")
    empty(clean_db)
    restore(clean_db, tmp_path / "backup.gpkg")
    with clean_db.begin() as conn:
        assert accounts.authenticate(conn, everything).username == "li"


def test_backup_without_tokens_restores_users_but_no_tokens(everything, clean_db, tmp_path):
    counts = backup(clean_db, tmp_path / "backup.gpkg", tokens=False)
    assert "api_tokens" not in counts
    empty(clean_db)
    restore(clean_db, tmp_path / "backup.gpkg")
    with clean_db.begin() as conn:
        assert conn.scalar(sa.select(sa.func.count()).select_from(api_tokens)) == 0
        with pytest.raises(accounts.NotAuthenticated):
            accounts.authenticate(conn, everything)
    assert snapshot(clean_db)["users"]


def test_a_password_survives_a_full_backup_but_not_one_without_tokens(everything, clean_db,
                                                                      tmp_path):
    with clean_db.begin() as conn:
        accounts.set_password(conn, "wang", "xixiang-2026-lc")
    for tokens, expected in ((True, "wang"), (False, None)):
        backup(clean_db, tmp_path / f"{tokens}.gpkg", tokens=tokens)
        empty(clean_db)
        restore(clean_db, tmp_path / f"{tokens}.gpkg")
        with clean_db.begin() as conn:
            found = accounts.check_password(conn, "wang", "xixiang-2026-lc")
        assert (found[0].username if found else None) == expected


def test_restore_refuses_a_database_with_rows_and_changes_nothing(everything, clean_db,
                                                                 tmp_path):
    backup(clean_db, tmp_path / "backup.gpkg")
    before = snapshot(clean_db)
    with pytest.raises(BackupRefused, match="not empty"):
        restore(clean_db, tmp_path / "backup.gpkg")
    assert snapshot(clean_db) == before


def test_restore_refuses_another_schema_revision(everything, clean_db, tmp_path):
    path = tmp_path / "backup.gpkg"
    backup(clean_db, path)
    with sqlite3.connect(path) as gpkg:
        gpkg.execute("UPDATE lianchuang_backup SET value = '\"0001\"' "
                     "WHERE key = 'schema_revision'")
    empty(clean_db)
    with pytest.raises(BackupRefused, match="revision 0001"):
        restore(clean_db, path)


def test_restore_refuses_a_file_that_is_not_a_backup(clean_db, tmp_path):
    other = tmp_path / "other.gpkg"
    other.write_bytes(b"not a geopackage at all")
    with pytest.raises(BackupRefused, match="not a Lianchuang backup"):
        restore(clean_db, other)


def test_backup_never_overwrites_a_file(clean_db, tmp_path):
    path = tmp_path / "backup.gpkg"
    path.write_bytes(b"precious")
    with pytest.raises(BackupRefused, match="already exists"):
        backup(clean_db, path)
    assert path.read_bytes() == b"precious"


def test_backup_is_a_geopackage_other_tools_read(everything, clean_db, tmp_path):
    path = tmp_path / "backup.gpkg"
    backup(clean_db, path)
    layers = dict(pyogrio.list_layers(path))
    assert layers["road_segments"] == "MultiLineString"
    assert layers["reports"] == "Point"
    assert layers["projects"] is None  # an attribute table
    roads = pyogrio.read_dataframe(path, layer="road_segments")
    assert "城南路" in set(roads["name"])


def test_restore_into_a_database_as_db_init_leaves_it(everything, clean_db, tmp_path):
    # `lianchuang db init` seeds the case categories; the backup's own (perhaps edited)
    # categories replace them, and the database still counts as empty before.
    from layers.cases.categories import ensure_seed, get_category, save_category
    from layers.tracking.accounts import User

    admin = User(0, "root", "管理员", "admin", None)
    with clean_db.connect() as conn:
        garbage = {k: v for k, v in get_category(conn, "garbage").items()
                   if k not in ("code", "active", "version", "updated_at", "updated_by")}
    save_category(clean_db, admin, "garbage", {**garbage, "time_limit": 3},
                  version=garbage_version(clean_db))
    before = snapshot(clean_db)
    backup(clean_db, tmp_path / "backup.gpkg")
    empty(clean_db)
    with clean_db.begin() as conn:
        assert ensure_seed(conn) > 0
    restore(clean_db, tmp_path / "backup.gpkg")
    assert snapshot(clean_db) == before


def garbage_version(engine) -> int:
    with engine.connect() as conn:
        return conn.scalar(sa.text("SELECT version FROM case_categories WHERE code = 'garbage'"))
