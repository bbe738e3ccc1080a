"""The readiness answers are kept while nothing they read has changed, and computed again
as soon as something has: an entry, a case or a case step, a layer edit, a snapshot, the day.

Counted by wrapping :func:`layers.readiness.readiness.measured_items`, which every
computation goes through.
"""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from layers import clock
from layers.readiness import readiness
from layers.readiness.readiness import all_readiness, readiness_body
from layers.readiness.snapshots import take_snapshot
from layers.storage.models import report_events, reports
from tests.files import X0, Y0, square
from tests.green_town import build_green_town, wkt
from tests.test_readiness import enter, planner  # noqa: F401  (a fixture)

pytest_plugins = ["tests.factories"]

TITLE = "national_garden"


@pytest.fixture
def computed(monkeypatch):
    """The titles computed so far (each call of measured_items), the kept answers dropped."""
    readiness.forget_readiness()
    done: list[str] = []
    real = readiness.measured_items

    def counting(engine, title, *args, **kwargs):
        done.append(title)
        return real(engine, title, *args, **kwargs)

    monkeypatch.setattr(readiness, "measured_items", counting)
    yield done
    readiness.forget_readiness()


def _value(engine, key, title=TITLE):
    body = readiness_body(engine, title, "zh")
    return next(item for item in body["items"] if item["key"] == key)["value"]


def test_nothing_changed_nothing_computed(clean_db, computed):
    build_green_town(clean_db)
    first = all_readiness(clean_db, "zh")
    assert len(computed) == 6
    again = all_readiness(clean_db, "zh")
    assert computed == list(first) and again == first
    assert readiness_body(clean_db, TITLE, "zh") == first[TITLE] and len(computed) == 6
    # the answer handed out is a copy: changing it changes no later answer
    again[TITLE]["items"].clear()
    assert readiness_body(clean_db, TITLE, "zh")["items"]
    # another language is another answer
    assert readiness_body(clean_db, TITLE, "en")["title"]["label"] == "National Garden County"
    assert len(computed) == 7


def test_an_entry_is_seen_at_once(client, clean_db, computed, planner):  # noqa: F811
    assert _value(clean_db, "sewage_treatment_rate") is None
    assert enter(client, planner["planner"], TITLE, "sewage_treatment_rate", 91).status_code == 201
    assert _value(clean_db, "sewage_treatment_rate") == 91
    assert computed == [TITLE, TITLE]


def test_an_entry_into_an_emptied_table_is_seen_though_its_id_and_count_are_the_same(
        client, clean_db, computed, planner):  # noqa: F811
    assert enter(client, planner["planner"], TITLE, "sewage_treatment_rate", 91).status_code == 201
    assert _value(clean_db, "sewage_treatment_rate") == 91
    with clean_db.begin() as conn:
        conn.execute(sa.text("TRUNCATE readiness_entries RESTART IDENTITY"))
    assert enter(client, planner["planner"], TITLE, "sewage_treatment_rate", 85).status_code == 201
    assert _value(clean_db, "sewage_treatment_rate") == 85


def _case(conn, **values):
    return conn.execute(reports.insert().returning(reports.c.id), {
        "category": "garbage", "description": "垃圾", "department": "县城市管理局",
        "geom": "SRID=4326;POINT(107.77 32.98)", **values}).scalar_one()


def test_a_new_case_step_is_seen_at_once(clean_db, computed):
    title, key = "national_sanitary", "sanitation_cases_on_time"
    at = clock.now() - dt.timedelta(days=5)
    with clean_db.begin() as conn:
        case = _case(conn, status="closed", dispatched_at=at, handled_at=at, closed_at=at,
                     handled_on_time=True)
    assert _value(clean_db, key, title) == pytest.approx(100.0)
    # a step recorded without touching the case row (as an import of old steps might)
    with clean_db.begin() as conn:
        conn.execute(report_events.insert(), {"report_id": case, "actor": "test",
                                              "action": "note", "note": "复核"})
    _value(clean_db, key, title)
    assert computed == [title, title]
    # a case changed in place, nothing else of it touched
    with clean_db.begin() as conn:
        conn.execute(reports.update().where(reports.c.id == case).values(
            handled_on_time=False))
    assert _value(clean_db, key, title) == pytest.approx(0.0)
    assert computed == [title] * 3


def test_a_layer_edit_is_seen_at_once(clean_db, computed):
    build_green_town(clean_db)
    assert _value(clean_db, "green_space_ratio") == pytest.approx(2.0, rel=1e-6)
    with clean_db.begin() as conn:  # a second park of 10,000 m²
        conn.execute(sa.text(
            "INSERT INTO parks (fid, name, park_class, geom) VALUES "
            "('P2', '新园', 'G12', ST_GeomFromText(:geom, 4326))"),
            {"geom": wkt(square(X0 + 600, Y0 + 600))})
    assert _value(clean_db, "green_space_ratio") == pytest.approx(3.0, rel=1e-6)
    assert computed == [TITLE, TITLE]


def test_a_snapshot_and_a_new_day_are_seen(clean_db, computed, monkeypatch):
    build_green_town(clean_db)
    readiness_body(clean_db, TITLE, "zh")
    take_snapshot(clean_db, dt.date(2026, 1, 1), [TITLE])
    body = readiness_body(clean_db, TITLE, "zh")
    ratio = next(item for item in body["items"] if item["key"] == "green_space_ratio")
    assert [point["date"] for point in ratio["trend"]] == ["2026-01-01"]
    count = len(computed)
    tomorrow = clock.today() + dt.timedelta(days=1)
    monkeypatch.setattr(clock, "today", lambda: tomorrow)
    assert readiness_body(clean_db, TITLE, "zh")["as_of"] == tomorrow.isoformat()
    assert len(computed) == count + 1
