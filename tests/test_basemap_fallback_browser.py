"""The green-space page and the inspection page with the OSM tile service unreachable, in
headless Chromium: like the planners' map (tests/test_webmap_browser.py), each gives up
after its first tiles, drops the basemap and its attribution, and says so in its panel.

The tile host is answered by the test (every request refused), so nothing leaves the machine.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from api.app import create_app
from tests.green_town import build_green_town
from tests.live_server import served
from tests.test_inspection_town import TODAY, with_inspection

pytest_plugins = ["tests.factories", "tests.test_inspection_town"]

NOTE = "底图无法访问，图层改在纯色背景上显示"


@dataclass
class Opened:
    """A page opened with the tile service refusing every request."""

    page: object
    tile_requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def tile_layers(self, app_global: str) -> int:
        return self.page.evaluate(f"""() => {{ let tiles = 0; window.{app_global}.map.eachLayer(
            (layer) => {{ if (layer instanceof L.TileLayer) tiles += 1; }}); return tiles; }}""")


@pytest.fixture
def open_without_tiles(chromium, database_url):
    """Opens *path* of an app with the OSM basemap whose tile host refuses every request."""
    app = with_inspection(create_app({"DATABASE_URL": database_url, "LIANCHUANG_TILES": "osm",
                                      "TESTING": True}))
    context = chromium.new_context(locale="zh-CN", viewport={"width": 1400, "height": 900})
    with served(app) as base:
        def open_without_tiles(path: str, ready: str) -> Opened:
            opened = Opened(context.new_page())
            opened.page.on("pageerror", lambda e: opened.errors.append(str(e)))

            def refuse(route):
                opened.tile_requests.append(route.request.url)
                route.abort("connectionrefused")

            opened.page.route("https://tile.openstreetmap.org/**", refuse)
            opened.page.goto(base + path)
            opened.page.wait_for_selector(ready, timeout=30_000)
            opened.page.wait_for_timeout(500)  # every tile the page would ask for, it has now
            return opened

        try:
            yield open_without_tiles
        finally:
            context.close()


def assert_fell_back(opened: Opened, app_global: str) -> None:
    page = opened.page
    assert 1 <= len(opened.tile_requests) <= 4, opened.tile_requests
    note = page.locator(".lc-basemap-note")
    assert note.is_visible()
    assert note.inner_text() == NOTE
    assert "OpenStreetMap" not in page.inner_text(".leaflet-control-attribution")
    assert opened.tile_layers(app_global) == 0
    asked = len(opened.tile_requests)
    page.evaluate(f"window.{app_global}.map.zoomIn(1, {{ animate: false }})")
    page.wait_for_timeout(500)
    assert len(opened.tile_requests) == asked  # a new view asks for no tile
    assert opened.errors == []


def test_green_page_falls_back_to_the_plain_background_at_once(open_without_tiles, clean_db):
    build_green_town(clean_db)

    opened = open_without_tiles("/green", "body[data-map-state=ready]")

    assert_fell_back(opened, "lianchuangGreen")


def test_inspection_page_falls_back_to_the_plain_background_at_once(open_without_tiles, town):
    opened = open_without_tiles(f"/inspection?today={TODAY}",
                                "body[data-inspection-state=ready]")

    assert_fell_back(opened, "lianchuangInspection")
