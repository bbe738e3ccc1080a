"""Readiness on the planners' map (the overlay 创建达标（分社区）) in headless Chromium, on
the shipped sample: every community coloured by its status, the level-1 water-source
zones drawn, the key in the panel (never over the map's legend).  Takes a screenshot to
READINESS_SCREENSHOT when that is set (a person looks at it)."""

from __future__ import annotations

import os

import pytest

from layers.exchange.importer import import_paths
from tests.conftest import SAMPLE
from tests.test_webmap_browser import Browsed, _watch, layer_switch
from webmap.screenshot import wait_until_ready

pytest_plugins = ["tests.factories"]

STATUS_COLORS = {"#43a047", "#e53935", "#fb8c00", "#90a4ae"}  # map-readiness.js


@pytest.fixture
def sample(clean_db):
    import_paths(clean_db, [SAMPLE])
    return clean_db


def overlap(a: dict, b: dict) -> bool:
    return not (a["x"] + a["width"] <= b["x"] or b["x"] + b["width"] <= a["x"]
                or a["y"] + a["height"] <= b["y"] or b["y"] + b["height"] <= a["y"])


def test_the_overlay_colours_every_community_and_keeps_its_key_off_the_legend(
        chromium, live_server, sample, client):
    expected = client.get("/api/readiness/national_garden/map").get_json()
    context = chromium.new_context(locale="zh-CN", viewport={"width": 1400, "height": 900})
    browsed = Browsed(context.new_page())
    _watch(browsed)
    page = browsed.page
    page.goto(live_server + "/")
    wait_until_ready(page, timeout_ms=30_000)

    layer_switch(page, "创建达标（分社区）").check()
    page.wait_for_selector("body[data-readiness-state=ready]", state="attached",
                           timeout=60_000)

    fills = page.eval_on_selector_all(".leaflet-lc-readiness-pane path",
                                      "paths => paths.map(p => p.getAttribute('fill'))")
    assert len(fills) == len(expected["communities"]["features"]) == 15
    assert set(fills) <= STATUS_COLORS
    zones = page.locator(".leaflet-lc-readiness-zones-pane path").count()
    assert zones == len(expected["zones"]["features"])
    key = page.locator(".lc-readiness-key")
    rows = key.locator(".lc-legend-row")
    assert rows.all_inner_texts()[:4] == ["未达标", "阈值待核实", "缺数据", "达标"]
    assert "饮用水源一级保护区" in rows.nth(4).inner_text()
    box = page.locator(".lc-readiness-box").bounding_box()
    legend = page.locator(".lc-legend").bounding_box()
    assert not overlap(box, legend)
    shot = os.environ.get("READINESS_SCREENSHOT")
    if shot:  # the overlay framed: every community and zone in view
        page.evaluate("() => { const m = window.lianchuangMap; "
                      "m.map.fitBounds(m.readiness.overlay.getBounds(), {animate: false}); }")
        page.wait_for_timeout(500)
        page.screenshot(path=shot)
    assert browsed.problems == []

    layer_switch(page, "创建达标（分社区）").uncheck()
    assert page.locator(".leaflet-lc-readiness-pane path").count() == 0
    assert page.locator(".lc-readiness-box").is_hidden()
    context.close()
