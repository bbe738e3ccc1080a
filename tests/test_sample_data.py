"""The shipped Xixiang sample data imports whole, cleanly, and idempotently."""

from __future__ import annotations

import pyogrio
import pytest
import sqlalchemy as sa

from layers.exchange.importer import import_paths
from layers.storage.catalogue import layer_names
from tests.conftest import SAMPLE


@pytest.fixture
def sample_report(clean_db):
    return import_paths(clean_db, [SAMPLE])


def _count(engine, table: str) -> int:
    with engine.connect() as conn:
        return conn.scalar(sa.text(f"SELECT count(*) FROM {table}"))


def test_every_catalogue_layer_has_a_sample_file():
    assert sorted(p.stem for p in SAMPLE.glob("*.shp")) == sorted(layer_names())


def test_the_whole_sample_imports_without_rejection_or_repair(clean_db, sample_report):
    assert sample_report.committed
    problems = [str(p) for s in sample_report.sources for p in s.problems]
    assert problems == []
    for name in layer_names():
        features = pyogrio.read_info(SAMPLE / f"{name}.shp")["features"]
        assert _count(clean_db, name) == features > 0, name


def test_the_ledger_links_30_to_60_projects_across_all_six_campaigns(clean_db, sample_report):
    with clean_db.connect() as conn:
        projects = conn.scalar(sa.text("SELECT count(*) FROM projects"))
        campaigns = conn.scalar(sa.text("SELECT count(DISTINCT c) FROM projects, unnest(campaigns) c"))
        unlinked = conn.scalar(sa.text(
            "SELECT count(*) FROM projects p WHERE NOT EXISTS "
            "(SELECT 1 FROM project_features f WHERE f.project_id = p.id)"))
    assert 30 <= projects <= 60
    assert campaigns == 6
    assert unlinked < projects / 4


def test_gbk_communities_without_cpg_come_out_in_chinese(clean_db, sample_report):
    assert not (SAMPLE / "communities.cpg").exists()
    with clean_db.connect() as conn:
        names = set(conn.scalars(sa.text("SELECT name FROM communities")))
    assert {"东渡社区", "鹿龄社区", "莲花社区"} <= names


def test_parks_given_in_epsg4545_land_in_xixiang(clean_db, sample_report):
    assert "4545" in pyogrio.read_info(SAMPLE / "parks.shp")["crs"]
    with clean_db.connect() as conn:
        lon, lat = conn.execute(sa.text(
            "SELECT ST_X(c), ST_Y(c) FROM (SELECT ST_Centroid(ST_Collect(geom)) c FROM parks) s"
        )).one()
    assert 107.70 < lon < 107.85 and 32.95 < lat < 33.03


def test_no_park_lies_in_the_river(clean_db, sample_report):
    with clean_db.connect() as conn:
        overlap = conn.scalar(sa.text(
            "SELECT coalesce(sum(ST_Area(ST_Transform(ST_Intersection(p.geom, w.geom), 4545))), 0)"
            " FROM parks p JOIN watercourses w ON ST_Intersects(p.geom, w.geom)"
            " WHERE GeometryType(w.geom) = 'MULTIPOLYGON'"))
    assert overlap < 1.0


def test_reimporting_the_sample_changes_nothing(clean_db, sample_report):
    again = import_paths(clean_db, [SAMPLE])

    assert all(s.inserted == s.updated == 0 for s in again.sources)
    assert sum(s.unchanged for s in again.sources) == sum(s.read for s in again.sources)
