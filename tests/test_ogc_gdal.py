"""An independent client: GDAL's OAPIF driver reads /ogc over real HTTP (the Xixiang sample).

``ogrinfo`` must list every collection with its Chinese title, and ``ogr2ogr`` must copy each
collection out whole: same ids, same attributes (Chinese intact), same geometries.  GDAL
3.6 reads in CRS84 only (Part 2 client support came in 3.7), so the axis order of the other
CRSs is tested in test_ogc.py against PROJ's EPSG-order transforms.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import numpy as np
import pyogrio
import pytest
import shapely

from api.app import create_app
from layers.exchange.importer import import_paths
from layers.exchange.layer_export import selection
from layers.storage.catalogue import LAYERS
from layers.tracking import accounts
from tests.conftest import SAMPLE
from tests.live_server import served, with_serving

pytest_plugins = ["tests.factories"]
pytestmark = pytest.mark.skipif(
    shutil.which("ogrinfo") is None or shutil.which("ogr2ogr") is None,
    reason="GDAL's command-line tools are not installed (Debian: apt-get install gdal-bin); "
           "they are the independent OGC API client of these tests")

#: Small pages, so that copying a layer follows many ``next`` links.
PAGE_SIZE = "25"


@pytest.fixture
def app(app):
    return with_serving(app)


@pytest.fixture
def sample(clean_db):
    """The Xixiang sample layers and project ledger, imported."""
    import_paths(clean_db, [SAMPLE])
    return clean_db


def gdal(*args: str) -> str:
    """Run a GDAL tool; its output, or the test fails with its error text."""
    env = {**os.environ, "NO_PROXY": "127.0.0.1", "no_proxy": "127.0.0.1",
           "CPL_DEBUG": "OFF"}
    done = subprocess.run(args, capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_ogrinfo_lists_every_collection_with_its_chinese_title(live_server, sample):
    listing = gdal("ogrinfo", "-ro", "-q", f"OAPIF:{live_server}/ogc")
    found = dict(re.findall(r"^\d+: (\w+) \(title: ([^)]+)\)", listing, re.MULTILINE))
    assert found == {spec.name: spec.zh for spec in LAYERS}


def test_ogr2ogr_copies_every_collection_intact(live_server, sample, tmp_path):
    copy = tmp_path / "copy.gpkg"
    gdal("ogr2ogr", "-oo", f"PAGE_SIZE={PAGE_SIZE}", "-f", "GPKG", str(copy),
         f"OAPIF:{live_server}/ogc")
    for spec in LAYERS:
        original = selection(sample, spec.name)
        copied = pyogrio.read_dataframe(copy, layer=spec.name).sort_values("id")
        assert list(copied["id"]) == list(original["fid"]), spec.name
        for field in spec.fields:
            assert _same(copied[field.name], original[field.name]), (spec.name, field.name)
        assert all(shapely.equals_exact(np.asarray(copied.geometry.array),
                                        np.asarray(original.geometry.array), tolerance=1e-7))


def test_gdal_spatial_filter_gets_the_features_in_the_box(live_server, sample):
    west, south, east, north = 107.70, 32.98, 107.75, 33.01
    listing = gdal("ogrinfo", "-ro", "-al", "-q", "-spat", str(west), str(south), str(east),
                   str(north), f"OAPIF:{live_server}/ogc", "facilities")
    expected = selection(sample, "facilities")
    inside = expected[expected.intersects(shapely.box(west, south, east, north))]
    assert sorted(re.findall(r"^\s+id \(String\) = (\S+)$", listing, re.MULTILINE)) == \
        sorted(inside["fid"])


def test_gdal_attribute_filter_gets_the_matching_features(live_server, sample):
    listing = gdal("ogrinfo", "-ro", "-al", "-q", "-where", "kind = 'public_toilet'",
                   f"OAPIF:{live_server}/ogc", "facilities")
    expected = selection(sample, "facilities")
    toilets = sorted(expected.loc[expected["kind"] == "public_toilet", "fid"])
    assert sorted(re.findall(r"^\s+id \(String\) = (\S+)$", listing, re.MULTILINE)) == toilets


def _same(copied, original) -> bool:
    """Column equality with nulls equal and numbers compared as numbers."""
    left = copied.astype(object).where(copied.notna(), None).tolist()
    right = original.astype(object).where(original.notna(), None).tolist()
    return [_plain(v) for v in left] == [_plain(v) for v in right]


def _plain(value):
    if isinstance(value, (bool, np.bool_)):
        return int(value)
    if isinstance(value, (np.integer, np.floating)):
        return float(value)
    return value


def test_gdal_reads_a_guarded_service_with_the_token_in_a_header(database_url, sample):
    with sample.begin() as conn:
        accounts.create_user(conn, "gis", "GIS 用户", "viewer")
        token = accounts.issue_token(conn, "gis", "GDAL")
    guarded = with_serving(create_app({"DATABASE_URL": database_url, "LIANCHUANG_TILES": "none",
                                       "LIANCHUANG_READ": "viewer", "TESTING": True}))
    with served(guarded) as url:
        listing = gdal("ogrinfo", "--config", "GDAL_HTTP_HEADERS",
                       f"Authorization: Bearer {token}", "-ro", "-al", "-q", f"OAPIF:{url}/ogc",
                       "parks")
    names = re.findall(r"^\s+name \(String\) = (.+)$", listing, re.MULTILINE)
    assert sorted(names) == sorted(selection(sample, "parks")["name"])
