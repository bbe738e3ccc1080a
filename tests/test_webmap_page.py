"""The map page as served: small, self-contained (no CDN), in both languages, basemaps."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest

from api.app import create_app
from geo.errors import LianchuangError
from layers.serving.project_links import projects_extent
from layers.storage.catalogue import LAYERS
from webmap.assets import STATIC_DIR, VENDORED_SHA256

pytest_plugins = ["tests.factories"]

ASSET = re.compile(r'(?:src|href)="([^"]+)"')


def test_page_is_small_and_holds_no_features(client, city):
    page = client.get("/").get_data(as_text=True)
    assert len(page.encode()) < 300_000
    assert "城南路" not in page  # features are fetched from the API, never inlined


def test_every_script_and_stylesheet_is_local_and_served(client):
    page = client.get("/").get_data(as_text=True)
    assets = ASSET.findall(page)
    assert any(a.endswith("leaflet.js") for a in assets)
    for url in assets:
        assert url.startswith("/static/"), url
        assert client.get(url).status_code == 200, url


def test_vendored_stylesheets_reference_only_files_that_exist():
    for stylesheet in (STATIC_DIR / "vendor").rglob("*.css"):
        # An inline picture (Leaflet-Geoman's icons) is no file, whatever it holds.
        text = re.sub(r"url\((['\"])data:.*?\1\)", "", stylesheet.read_text())
        for ref in re.findall(r"url\(['\"]?([^'\")#]+)['\"]?\)", text):
            assert (stylesheet.parent / ref).is_file(), f"{stylesheet.name}: {ref}"


def test_page_is_chinese_by_default_and_english_on_request(client):
    chinese = client.get("/").get_data(as_text=True)
    english = client.get("/?lang=en").get_data(as_text=True)
    assert "<title>联创 · 创建项目一张图</title>" in chinese
    assert "leaflet-measure.cn.precompiled.js" in chinese
    assert "<title>Lianchuang · campaign projects map</title>" in english
    for spec in LAYERS:  # the layer switcher's names come from the catalogue (as JSON)
        assert json.dumps(spec.zh) in chinese
        assert json.dumps(spec.en) in english


def test_start_extent_holds_the_middle_of_the_linked_features(clean_db, city):
    # Centres of r1, r2, p1, f1, f2 (r3 and b1 have no project): x 107.705 107.71 107.735
    # 107.75 107.75, y 32.9725 32.98 32.985 32.99 32.995; their 5% and 95% points
    # (107.706-107.75, 32.974-32.994), widened by a tenth on each side.
    assert projects_extent(clean_db) == pytest.approx([107.7016, 32.972, 107.7544, 32.996])


def test_no_project_means_no_start_extent(clean_db):
    assert projects_extent(clean_db) is None


def test_no_basemap_means_no_tile_url(client):
    assert "{z}" not in client.get("/").get_data(as_text=True)


def test_osm_basemap(database_url):
    app = create_app({"DATABASE_URL": database_url, "LIANCHUANG_TILES": "osm"})
    assert "https://tile.openstreetmap.org/{z}/{x}/{y}.png" in \
        app.test_client().get("/").get_data(as_text=True)


def test_tianditu_basemap_labels_in_the_page_language(database_url):
    app = create_app({"DATABASE_URL": database_url, "LIANCHUANG_TILES": "tianditu",
                      "TIANDITU_KEY": "k123"})
    chinese = app.test_client().get("/").get_data(as_text=True)
    english = app.test_client().get("/?lang=en").get_data(as_text=True)
    assert "tianditu.gov.cn/vec_w/wmts" in chinese and "tk=k123" in chinese
    assert "LAYER=cva" in chinese and "LAYER=eva" in english


@pytest.mark.parametrize(("settings", "message"), [
    ({"LIANCHUANG_TILES": "tianditu"}, "needs TIANDITU_KEY"),
    ({"LIANCHUANG_TILES": "google"}, "use one of: osm, tianditu, none"),
    ({"LIANCHUANG_START_VIEW": "town"}, "use one of: projects, all"),
])
def test_wrong_basemap_setting_stops_the_start(settings, message):
    with pytest.raises(LianchuangError, match=message):
        create_app(settings)


def test_vendored_editor_files_are_the_ones_npm_shipped():
    for path, digest in VENDORED_SHA256.items():
        assert hashlib.sha256((STATIC_DIR / path).read_bytes()).hexdigest() == digest, path


def test_vendored_libraries_keep_their_licences():
    for folder in (STATIC_DIR / "vendor").iterdir():
        if folder.is_dir():
            assert any(p.name.upper().startswith(("LICENSE", "MIT-LICENCE"))
                       for p in Path(folder).iterdir()), folder.name
