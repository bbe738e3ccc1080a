"""The planners' map in headless Chromium, over real HTTP, with the known data.

Every test fails on a console error, an uncaught page error, a dialog (``alert``) or a
request to any host but the service's own.
"""

from __future__ import annotations

import re

from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest

import webmap.page
from api.app import create_app
from layers.storage.catalogue import LAYERS, STATUS_COLORS
from tests.live_server import served
from webmap.screenshot import wait_until_ready

pytest_plugins = ["tests.factories"]

XSS = "<img src=x onerror=alert(1)>"


@dataclass
class Browsed:
    """A page and everything it did that a clean page must not do."""

    page: object
    problems: list[str] = field(default_factory=list)


@pytest.fixture
def open_map(chromium, live_server):
    """Opens a path of the live server in a fresh browser context, once the map is ready."""
    contexts = []

    def open_map(path: str = "/") -> Browsed:
        context = chromium.new_context(locale="zh-CN", viewport={"width": 1280, "height": 800})
        contexts.append(context)
        browsed = Browsed(context.new_page())
        _watch(browsed)
        browsed.page.goto(live_server + path)
        wait_until_ready(browsed.page, timeout_ms=15_000)
        return browsed

    yield open_map
    for context in contexts:
        context.close()


def _watch(browsed: Browsed) -> None:
    page, problems = browsed.page, browsed.problems
    page.on("console", lambda m: m.type == "error" and problems.append(f"console: {m.text}"))
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("request", lambda r: urlsplit(r.url).hostname != "127.0.0.1"
            and problems.append(f"request outside the service: {r.url}"))

    def on_dialog(dialog):
        problems.append(f"dialog: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", on_dialog)


def paths_in(page, layer: str):
    return page.locator(f".leaflet-lc-{layer}-pane path.leaflet-interactive")


def click_feature(page, layer: str, index: int) -> None:
    """Click the middle of a drawn feature, as a planner would.

    A mouse click at coordinates, because Playwright deems a horizontal line (a box of
    height zero) invisible and refuses to click the element itself.
    """
    box = paths_in(page, layer).nth(index).bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    wait_until_still(page)


#: Resolves once the map has not moved for 300 ms.
_STILL = """() => new Promise((resolve) => {
  const map = window.lianchuangMap.map;
  let timer = setTimeout(done, 300);
  function again() { clearTimeout(timer); timer = setTimeout(done, 300); }
  function done() { map.off("move", again); resolve(); }
  map.on("move", again);
})"""


def wait_until_still(page) -> None:
    """Wait for the pan that brings an opened popup into view to end.

    Leaflet pans the map (animated) just after a popup opens; a click at the popup's
    contents in that moment lands where the contents were, on the map, and a <summary>
    stays closed (seen: 2 runs in 4 of the history tests failed that way)."""
    page.evaluate(_STILL)


def test_map_loads_the_shown_layers_from_the_api(open_map, city):
    browsed = open_map()
    counts = browsed.page.evaluate("window.lianchuangMap.counts")
    assert {k: v for k, v in counts.items() if v} == {
        "road_segments": 3, "parks": 1, "facilities": 2}  # b1: a reference layer, unticked
    assert browsed.problems == []


def show_everything(page) -> None:
    page.click("button.lc-view-all")
    wait_until_ready(page)


def layer_switch(page, title: str):
    """The layer control's checkbox titled exactly *title* (社区 is also part of
    创建达标（分社区）)."""
    exact = re.compile(rf"^\s*{re.escape(title)}\s*$")
    return page.locator(".leaflet-control-layers-overlays label", has_text=exact).locator("input")


def test_reference_layers_start_unticked_and_load_when_ticked(open_map, city):
    browsed = open_map()
    page = browsed.page
    for spec in LAYERS:
        assert layer_switch(page, spec.zh).is_checked() == spec.mission, spec.name
    assert paths_in(page, "built_up_area").count() == 0
    layer_switch(page, "建成区").check()
    wait_until_ready(page)
    assert paths_in(page, "built_up_area").count() == 1
    assert browsed.problems == []


def test_counter_counts_the_features_visible_in_the_view(open_map, city):
    browsed = open_map()
    page = browsed.page
    show_everything(page)
    assert page.inner_text(".lc-status") == "本视图可见 6 个要素"  # 3 roads, p1, f1, f2
    layer_switch(page, "道路改造路段").uncheck()
    assert page.inner_text(".lc-status") == "本视图可见 3 个要素"
    layer_switch(page, "道路改造路段").check()
    layer_switch(page, "建成区").check()
    wait_until_ready(page)
    assert page.inner_text(".lc-status") == "本视图可见 7 个要素"
    page.evaluate("window.lianchuangMap.map.fitBounds("
                  "[[33.018, 107.708], [33.022, 107.712]], {animate: false})")
    wait_until_ready(page)
    assert page.inner_text(".lc-status") == "本视图可见 2 个要素"  # r3 and b1 around it
    assert browsed.problems == []


def test_legend_names_each_mission_layer_with_its_own_symbol(open_map, city):
    browsed = open_map()
    page = browsed.page
    symbols = {}
    for spec in (spec for spec in LAYERS if spec.mission):
        row = page.locator(f".lc-legend-row[data-layer={spec.name}]")
        assert row.inner_text() == spec.zh
        symbols[spec.name] = row.locator("svg.lc-symbol").inner_html()
    assert len(set(symbols.values())) == len(symbols)  # no two drawn alike
    assert browsed.problems == []


def test_features_take_their_layer_symbol_in_their_status_colour(open_map, city):
    browsed = open_map()
    page = browsed.page
    road = paths_in(page, "road_segments").first  # r1: in progress
    assert road.get_attribute("stroke") == STATUS_COLORS["in_progress"]
    assert road.get_attribute("stroke-width") == "6"
    assert road.get_attribute("stroke-dasharray") is None
    park = paths_in(page, "parks").first  # p1: completed, dotted
    fill = park.get_attribute("fill")
    assert fill == "url(#lc-pattern-dots-" + STATUS_COLORS["completed"].lstrip("#") + ")"
    pattern = page.locator(fill[4:-1] + " circle")
    assert pattern.get_attribute("fill") == STATUS_COLORS["completed"]
    assert browsed.problems == []


def test_empty_database_says_what_to_do(open_map, clean_db):
    browsed = open_map()
    assert "lianchuang import" in browsed.page.inner_text(".lc-status")
    assert browsed.problems == []


def test_tools_legend_and_clustering_are_on_the_map(open_map, city):
    browsed = open_map()
    page = browsed.page
    for control in (".leaflet-control-scale", ".leaflet-control-measure",
                    ".leaflet-control-zoom-fullscreen", ".leaflet-control-layers"):
        assert page.locator(control).count() == 1, control
    legend = page.inner_text(".lc-legend")
    for label in ("规划", "立项", "在建", "完工", "验收", "暂停", "逾期", "建成区"):
        assert label in legend
    assert page.evaluate("window.lianchuangMap.groups.facilities instanceof L.MarkerClusterGroup")
    assert browsed.problems == []


def view_of(page) -> tuple[float, float, float, float]:
    """The map's view as west, south, east, north."""
    bounds = page.evaluate("window.lianchuangMap.map.getBounds().toBBoxString()")
    return tuple(map(float, bounds.split(",")))


def test_map_opens_on_the_project_features(open_map, city):
    # The middle 90% of the linked features' centres (r1, r2, p1, f1, f2), widened by a
    # tenth: by hand 107.7016-107.7544 E, 32.972-32.996 N; b1 spans 32.96-33.03 N.
    browsed = open_map()
    west, south, east, north = view_of(browsed.page)
    assert west <= 107.7016 and east >= 107.7544 and south <= 32.972 and north >= 32.996
    assert not (south <= 32.96 and north >= 33.03)  # closer than everything
    assert browsed.problems == []


def test_whole_county_button_shows_everything(open_map, city):
    browsed = open_map()
    browsed.page.click("button.lc-view-all")
    wait_until_ready(browsed.page)
    west, south, east, north = view_of(browsed.page)
    assert west <= 107.69 and east >= 107.77 and south <= 32.96 and north >= 33.03
    assert east - west < 0.5  # fitted to the town, not the world
    assert browsed.problems == []


def test_start_view_all_opens_on_everything(chromium, database_url, city):
    app = create_app({"DATABASE_URL": database_url, "LIANCHUANG_TILES": "none",
                      "LIANCHUANG_START_VIEW": "all", "TESTING": True})
    context = chromium.new_context(locale="zh-CN", viewport={"width": 1280, "height": 800})
    try:
        page = context.new_page()
        with served(app) as base:
            page.goto(base + "/")
            wait_until_ready(page)
            west, south, east, north = view_of(page)
            assert page.locator("button.lc-view-projects").count() == 0
    finally:
        context.close()
    assert west <= 107.69 and east >= 107.77 and south <= 32.96 and north >= 33.03


def test_layer_switcher_hides_and_shows_a_layer(open_map, city):
    browsed = open_map()
    page = browsed.page
    switch = page.locator(".leaflet-control-layers-overlays label", has_text="道路改造路段")
    assert paths_in(page, "road_segments").count() == 3
    switch.locator("input").uncheck()
    assert paths_in(page, "road_segments").count() == 0
    switch.locator("input").check()
    assert paths_in(page, "road_segments").count() == 3
    assert browsed.problems == []


def test_clicking_a_road_opens_its_project_card(open_map, city):
    browsed = open_map()
    page = browsed.page
    click_feature(page, "road_segments", 1)  # r2 东环路, ordered by fid
    card = page.locator(".leaflet-popup-content")
    card.wait_for()
    text = card.inner_text()
    for expected in ("东环路", "东环路提升", "DL-002", "国家卫生县城", "交通局", "规划",
                     "2020-06-30", "逾期", "0%", "次干路"):
        assert expected in text
    assert browsed.problems == []


def test_project_history_opens_in_the_card(open_map, city):
    browsed = open_map()
    page = browsed.page
    click_feature(page, "road_segments", 0)  # r1: DL-001 has two events
    page.locator(".leaflet-popup-content .lc-history summary").first.click()
    first_event = page.locator(".leaflet-popup-content .lc-history li").first
    assert "路面铣刨完成" in first_event.inner_text()
    assert browsed.problems == []


def test_status_filter_asks_the_api_again(open_map, city):
    browsed = open_map()
    page = browsed.page
    layer_switch(page, "建成区").check()
    page.select_option("select[name=status]", "in_progress")
    wait_until_ready(page)
    assert paths_in(page, "road_segments").count() == 1  # r1 only
    assert page.evaluate("window.lianchuangMap.counts.built_up_area") == 1  # not filtered
    page.check("input[name=overdue]")
    wait_until_ready(page)
    assert paths_in(page, "road_segments").count() == 0  # in progress and overdue: none
    assert browsed.problems == []


def test_department_filter_lists_the_departments(open_map, city):
    browsed = open_map()
    page = browsed.page
    options = page.locator("select[name=department] option").all_inner_texts()
    assert set(options) == {"全部", "住建局", "交通局", "城管局"}
    page.select_option("select[name=department]", "交通局")
    wait_until_ready(page)
    assert page.evaluate("window.lianchuangMap.counts.road_segments") == 1
    assert browsed.problems == []


def test_search_finds_a_place_and_opens_its_card(open_map, city):
    browsed = open_map()
    page = browsed.page
    page.fill("input[name=q]", "牧马")
    hit = page.locator(".lc-hit", has_text="牧马河公园")
    hit.first.click()
    assert "牧马河公园建设" in page.locator(".leaflet-popup-content").inner_text()
    assert browsed.problems == []


def test_dense_layer_is_drawn_once_zoomed_in(open_map, city, monkeypatch):
    monkeypatch.setattr(webmap.page, "MAX_FEATURES_IN_VIEW", 2)
    browsed = open_map()
    page = browsed.page
    assert paths_in(page, "road_segments").count() == 0  # 3 roads in view: too many
    assert "要素过多，放大后显示：道路改造路段" in page.inner_text(".lc-status")
    page.evaluate("window.lianchuangMap.map.fitBounds("
                  "[[33.018, 107.708], [33.022, 107.712]], {animate: false})")
    wait_until_ready(page)
    assert paths_in(page, "road_segments").count() == 1  # r3, alone in the new view
    assert browsed.problems == []


def test_english_page_uses_the_english_labels(open_map, city):
    browsed = open_map("/?lang=en")
    page = browsed.page
    assert page.locator(".leaflet-control-layers-overlays",
                        has_text="Road renovation segments").count() == 1
    assert "In progress" in page.inner_text(".lc-legend")
    show_everything(page)
    assert page.inner_text(".lc-status") == "6 features visible in this view"
    assert browsed.problems == []


def test_project_name_with_markup_shows_as_text(open_map, city, new_project):
    new_project("XSS-1", XSS, features=(("road_segments", "r3"),))
    browsed = open_map()
    page = browsed.page
    click_feature(page, "road_segments", 2)  # r3
    card = page.locator(".leaflet-popup-content")
    card.wait_for()
    assert XSS in card.inner_text()
    assert card.locator("img").count() == 0
    page.fill("input[name=q]", "onerror")
    assert XSS in page.locator(".lc-hit").first.inner_text()
    assert page.locator(".lc-results img").count() == 0
    page.wait_for_timeout(300)  # a fired onerror would have shown its dialog by now
    assert browsed.problems == []


#: A 1x1 transparent PNG, served as every tile of a reachable tile service.
PNG_1X1 = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000b4944415478"
    "9c6360000200000500017a5eab3f0000000049454e44ae426082")


def test_reachable_basemap_draws_every_tile_of_the_view(chromium, database_url, city):
    app = create_app({"DATABASE_URL": database_url, "LIANCHUANG_TILES": "osm", "TESTING": True})
    tile_requests = []
    context = chromium.new_context(locale="zh-CN", viewport={"width": 1400, "height": 900})
    try:
        page = context.new_page()

        def serve_tile(route):
            tile_requests.append(route.request.url)
            route.fulfill(status=200, content_type="image/png", body=PNG_1X1)

        page.route("https://tile.openstreetmap.org/**", serve_tile)
        with served(app) as base:
            page.goto(base + "/")
            wait_until_ready(page)
            page.wait_for_timeout(500)
            assert len(tile_requests) > 12  # the whole view, once the first tile loaded
            assert not page.locator(".lc-basemap-note").is_visible()
            assert "OpenStreetMap" in page.inner_text(".leaflet-control-attribution")
    finally:
        context.close()


def test_unreachable_basemap_falls_back_to_the_plain_background_at_once(chromium, database_url,
                                                                        city):
    app = create_app({"DATABASE_URL": database_url, "LIANCHUANG_TILES": "osm", "TESTING": True})
    tile_requests, errors = [], []
    context = chromium.new_context(locale="zh-CN", viewport={"width": 1400, "height": 900})
    try:
        page = context.new_page()
        page.on("pageerror", lambda e: errors.append(str(e)))

        def refuse(route):
            tile_requests.append(route.request.url)
            route.abort("connectionrefused")

        page.route("https://tile.openstreetmap.org/**", refuse)
        with served(app) as base:
            page.goto(base + "/")
            wait_until_ready(page)
            page.wait_for_timeout(500)  # every tile the page would ask for, it has by now
            assert 1 <= len(tile_requests) <= 4, tile_requests
            note = page.locator(".lc-basemap-note")
            assert note.is_visible()
            assert note.inner_text() == "底图无法访问，图层改在纯色背景上显示"
            assert "OpenStreetMap" not in page.inner_text(".leaflet-control-attribution")
            assert page.evaluate("""() => { let tiles = 0; window.lianchuangMap.map.eachLayer(
                (layer) => { if (layer instanceof L.TileLayer) tiles += 1; }); return tiles; }""") == 0
    finally:
        context.close()
    assert errors == []
