"""The planners' map draws a big layer from vector tiles, in headless Chromium.

The known city plus 6,000 generated road segments (south of the known roads) makes
``road_segments`` bigger than :data:`webmap.page.VECTOR_TILE_THRESHOLD`: the map must then ask
``/tiles`` for it and never page it as GeoJSON, paint it by project status on canvas, open a
feature's card on click, and pass the project filters into the tile URLs.  The small layers
stay GeoJSON.  What the canvas shows is read back from its pixels.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa

import webmap.page
from layers.serving import tiles
from layers.storage.catalogue import OVERDUE_COLOR, STATUS_COLORS
from webmap.screenshot import wait_until_ready

pytest_plugins = ["tests.factories"]

GENERATED = 6_000
#: Where the known roads r1 (城南路, in progress) and r2 (东环路, overdue) pass (lat, lon).
R1 = (32.98, 107.71)
R2 = (32.99, 107.75)

# The most opaque pixel of the road layer's canvas tiles within 3 px of a lat/lon.
_PIXEL_AT = """([lat, lon]) => {
  const app = window.lianchuangMap;
  const point = app.map.latLngToContainerPoint([lat, lon]);
  const mapBox = app.map.getContainer().getBoundingClientRect();
  let best = null;
  for (const canvas of app.map.getPane("lc-road_segments").querySelectorAll("canvas")) {
    const box = canvas.getBoundingClientRect();
    const x = mapBox.left + point.x - box.left, y = mapBox.top + point.y - box.top;
    if (x < 0 || y < 0 || x >= box.width || y >= box.height) continue;
    const scale = canvas.width / box.width;
    const data = canvas.getContext("2d").getImageData(
      Math.max(0, Math.round((x - 3) * scale)), Math.max(0, Math.round((y - 3) * scale)),
      Math.round(7 * scale), Math.round(7 * scale)).data;
    for (let i = 0; i < data.length; i += 4) {
      if (!best || data[i + 3] > best[3]) best = [data[i], data[i + 1], data[i + 2], data[i + 3]];
    }
  }
  return best;
}"""
_PAINTED_CANVASES = """() => [...window.lianchuangMap.map.getPane("lc-road_segments")
  .querySelectorAll("canvas")].filter((canvas) => {
    const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
    for (let i = 3; i < data.length; i += 4) if (data[i] > 0) return true;
    return false;
  }).length"""


@pytest.fixture
def dense_city(city, clean_db):
    """The known city and 6,000 short roads in a grid south of it (lat 32.961..32.975)."""
    with clean_db.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO road_segments (fid, name, road_class, geom) "
            "SELECT 'g' || i, '生成道路' || i, 'local', ST_Multi(ST_MakeLine("
            "  ST_SetSRID(ST_MakePoint(107.70 + (i % 100) * 0.0006, 32.961 + (i / 100) * 0.0002),"
            "             4326),"
            "  ST_SetSRID(ST_MakePoint(107.70 + (i % 100) * 0.0006 + 0.0004,"
            "                          32.961 + (i / 100) * 0.0002), 4326))) "
            "FROM generate_series(0, :n - 1) AS i"), {"n": GENERATED})
        conn.exec_driver_sql("ANALYZE road_segments")
    tiles._MIN_ZOOMS.clear()  # the tile zoom range is remembered per layer for 30 s
    return city


@pytest.fixture
def tiled_map(chromium, live_server, dense_city):
    context = chromium.new_context(locale="zh-CN", viewport={"width": 1280, "height": 800})
    page = context.new_page()
    seen = {"requests": [], "problems": []}
    page.on("request", lambda r: seen["requests"].append(r.url))
    page.on("console", lambda m: m.type == "error" and seen["problems"].append(m.text))
    page.on("pageerror", lambda e: seen["problems"].append(str(e)))
    page.goto(live_server + "/")
    wait_until_ready(page, timeout_ms=20_000)
    yield page, seen
    context.close()


def _view(page, lat_lon, zoom=16):
    page.evaluate("([lat, lon, zoom]) => window.lianchuangMap.map.setView([lat, lon], zoom, "
                  "{animate: false})", [*lat_lon, zoom])
    # Leaflet keeps the old zoom's tiles until the new ones load, and tiles arrive one by one:
    # wait for the tile under this very point to be painted, not for any canvas.
    page.wait_for_function("([lat, lon]) => { const pixel = (" + _PIXEL_AT + ")([lat, lon]);"
                           " return pixel !== null && pixel[3] > 128; }",
                           arg=list(lat_lon), timeout=15_000)


def _rgb(hex_color):
    return tuple(int(hex_color[i:i + 2], 16) for i in (1, 3, 5))


def _close_to(pixel, hex_color, tolerance=40):
    return pixel is not None and pixel[3] > 128 and all(
        abs(a - b) <= tolerance for a, b in zip(pixel[:3], _rgb(hex_color)))


def test_threshold_is_the_drawing_limit():
    assert webmap.page.VECTOR_TILE_THRESHOLD < GENERATED + 3


def test_big_layer_comes_from_vector_tiles_and_small_ones_stay_geojson(tiled_map):
    page, seen = tiled_map
    page.wait_for_function("() => (" + _PAINTED_CANVASES + ")() > 0", timeout=15_000)
    assert page.evaluate("[...window.lianchuangMap.tiled]") == ["road_segments"]
    paths = [urlsplit(url).path for url in seen["requests"]]
    assert any(p.startswith("/tiles/road_segments/") and p.endswith(".mvt") for p in paths)
    assert not any(p.startswith("/api/layers/road_segments/features") for p in paths)
    assert any(p.startswith("/api/layers/parks/features") for p in paths)
    assert page.evaluate("window.lianchuangMap.counts.parks") == 1
    assert "以矢量瓦片显示" in page.inner_text(".lc-status")
    assert seen["problems"] == []


def test_tiled_roads_take_their_project_status_colour(tiled_map):
    page, seen = tiled_map
    _view(page, R2)
    assert _close_to(page.evaluate(_PIXEL_AT, list(R2)), OVERDUE_COLOR)
    _view(page, R1)
    assert _close_to(page.evaluate(_PIXEL_AT, list(R1)), STATUS_COLORS["in_progress"])
    assert seen["problems"] == []


def test_a_click_on_a_tiled_road_opens_its_card(tiled_map):
    page, seen = tiled_map
    _view(page, R2, zoom=17)
    point = page.evaluate("([lat, lon]) => { const app = window.lianchuangMap;"
                          " const p = app.map.latLngToContainerPoint([lat, lon]);"
                          " const box = app.map.getContainer().getBoundingClientRect();"
                          " return [box.left + p.x, box.top + p.y]; }", list(R2))
    page.mouse.click(*point)
    page.wait_for_selector(".leaflet-popup .lc-popup-title", timeout=10_000)
    assert page.inner_text(".leaflet-popup .lc-popup-title") == "东环路"
    assert "东环路提升" in page.inner_text(".leaflet-popup")
    assert seen["problems"] == []


def test_project_filters_reach_the_tiles(tiled_map):
    page, seen = tiled_map
    _view(page, R1)
    assert _close_to(page.evaluate(_PIXEL_AT, list(R1)), STATUS_COLORS["in_progress"])
    seen["requests"].clear()
    page.evaluate("() => { const select = window.lianchuangMap.selects.status;"
                  " select.value = 'planned'; select.dispatchEvent(new Event('change')); }")
    # 城南路 has no planned project: it goes; 东环路's planned (overdue) project keeps it.
    page.wait_for_function("([lat, lon]) => { const pixel = (" + _PIXEL_AT + ")([lat, lon]);"
                           " return !pixel || pixel[3] === 0; }", arg=list(R1), timeout=10_000)
    tile_queries = [parse_qs(urlsplit(url).query) for url in seen["requests"]
                    if urlsplit(url).path.startswith("/tiles/road_segments/")]
    assert tile_queries and all(q.get("status") == ["planned"] for q in tile_queries)
    _view(page, R2)
    assert _close_to(page.evaluate(_PIXEL_AT, list(R2)), OVERDUE_COLOR)
    assert seen["problems"] == []
