"""Migration 0007 turns stored problem reports into cases and keeps their history.

Run in a schema of its own (``search_path`` first on it) in the test database, so the
shared tables are never touched: the schema is migrated to 0006, filled the way the
service filled it before cases existed, then migrated to the head.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from layers.cases.categories import ensure_seed
from layers.storage import migrate

SCHEMA = "migration_0007"


@pytest.fixture
def old_schema(database_url):
    admin = sa.create_engine(database_url)
    with admin.begin() as conn:
        conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        conn.execute(sa.text(f"CREATE SCHEMA {SCHEMA}"))
        # Its own (empty) version table, found before the shared one on the search path.
        conn.execute(sa.text(f"CREATE TABLE {SCHEMA}.alembic_version ("
                             "version_num VARCHAR(32) NOT NULL PRIMARY KEY)"))
    url = make_url(database_url).update_query_dict(
        {"options": f"-csearch_path={SCHEMA},public"})
    text = url.render_as_string(hide_password=False)
    migrate.upgrade(text, "0006")
    yield text, sa.create_engine(text)
    with admin.begin() as conn:
        conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
    admin.dispose()


def test_reports_become_cases_with_their_history(old_schema):
    url, engine = old_schema
    with engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO reports (category, description, status, department, geom, "
            "requested_at, updated_at) VALUES "
            "('garbage', '垃圾', 'submitted', '县城市管理局', "
            " 'SRID=4326;POINT(107.76 32.98)', '2026-11-01T01:00Z', '2026-11-01T01:00Z'),"
            "('road_damage', '坑槽', 'in_progress', '县住建局', "
            " 'SRID=4326;POINT(107.77 32.98)', '2026-11-02T01:00Z', '2026-11-03T01:00Z'),"
            "('garbage', '已清运', 'resolved', '县城市管理局', "
            " 'SRID=4326;POINT(107.78 32.98)', '2026-11-04T01:00Z', '2026-11-05T01:00Z'),"
            "('other', '无效', 'rejected', '城南街道办事处', "
            " 'SRID=4326;POINT(107.79 32.98)', '2026-11-06T01:00Z', '2026-11-06T02:00Z')"))
        conn.execute(sa.text(
            "INSERT INTO report_events (report_id, actor, status, note) VALUES "
            "(2, '李督查', 'assigned', '派单'), (2, '王', 'in_progress', '处置中'), "
            "(3, '王', 'resolved', '已清运')"))

    migrate.upgrade(url)

    with engine.begin() as conn:
        rows = conn.execute(sa.text(
            "SELECT id, status, tracking_code, filed_at IS NOT NULL AS filed, "
            "dispatched_at, closed_at, time_limit_min, clock_since FROM reports ORDER BY id")
        ).all()
        assert [r.status for r in rows] == ["reported", "dispatched", "closed", "refused"]
        assert [r.filed for r in rows] == [False, True, True, False]
        assert rows[2].closed_at.isoformat() == "2026-11-05T01:00:00+00:00"
        assert all(len(r.tracking_code) == 10 for r in rows)
        assert len({r.tracking_code for r in rows}) == 4
        # No clock for a case dispatched before cases had one: never shown as overdue.
        assert all(r.time_limit_min is None and r.clock_since is None for r in rows)
        events = conn.execute(sa.text(
            "SELECT report_id, action, status, note FROM report_events ORDER BY id")).all()
        assert [(e.report_id, e.status) for e in events[:3]] == [
            (2, "dispatched"), (2, "dispatched"), (3, "closed")]
        migrated = {e.report_id: e.note for e in events if e.action == "migrate"}
        assert migrated == {1: "转为案件；原状态：submitted", 2: "转为案件；原状态：in_progress",
                            3: "转为案件；原状态：resolved", 4: "转为案件；原状态：rejected"}
        categories = set(conn.scalars(sa.text("SELECT code FROM case_categories")))
        assert {"garbage", "road_damage", "other"} <= categories
        with pytest.raises(sa.exc.IntegrityError):
            with conn.begin_nested():
                conn.execute(sa.text("UPDATE reports SET category = 'ufo' WHERE id = 1"))
        with pytest.raises(sa.exc.IntegrityError):
            with conn.begin_nested():
                conn.execute(sa.text("UPDATE reports SET status = 'resolved' WHERE id = 1"))
        # The seed then brings the ten migrated categories up to date and adds the rest.
        written = ensure_seed(conn)
        assert written > 30
        garbage = conn.execute(sa.text(
            "SELECT version, updated_by, data->>'time_unit' AS unit FROM case_categories "
            "WHERE code = 'garbage'")).one()
        assert tuple(garbage) == (2, "seed", "working_hours")
    engine.dispose()
