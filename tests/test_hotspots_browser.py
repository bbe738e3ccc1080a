"""The case hot-spot overlay of the map, in headless Chromium over real HTTP: ticked in the
layer switcher, it draws the cases of the last 30 days counted per hexagon, and its box in
the panel changes the category and the cells."""

from __future__ import annotations

import os

from layers.tracking.problem_reports import file_report
from tests.test_webmap_browser import open_map  # noqa: F401 (fixture)

pytest_plugins = ["tests.factories"]

LAT, LON = 32.984, 107.728  # inside the city's built-up area


def test_the_hot_spot_overlay_counts_the_recent_cases(city, clean_db, open_map):
    for category in ("garbage", "garbage", "road_damage"):
        file_report(clean_db, None, category=category, lon=LON, lat=LAT, description="热点")
    file_report(clean_db, None, category="garbage", lon=LON + 0.02, lat=LAT, description="远处")
    browsed = open_map("/")
    page = browsed.page
    box = page.locator(".lc-hotspots")
    assert box.is_hidden()
    page.locator(".leaflet-control-layers-overlays label", has_text="案件热点") \
        .locator("input").check()
    note = page.locator(".lc-hotspot-note")
    note.filter(has_text="4 件，2 处").wait_for()
    assert page.locator(".leaflet-overlay-pane path.leaflet-interactive").count() >= 2
    box.locator("select").nth(1).select_option("road_damage")
    note.filter(has_text="1 件，1 处").wait_for()
    if os.environ.get("CASE_SCREENSHOTS"):
        page.screenshot(path=os.path.join(os.environ["CASE_SCREENSHOTS"], "hotspots.png"))
    page.locator(".leaflet-control-layers-overlays label", has_text="案件热点") \
        .locator("input").uncheck()
    assert box.is_hidden()
    assert browsed.problems == []
