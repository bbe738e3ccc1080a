"""The green-space page's "对创建达标的影响" table in headless Chromium, on the shipped sample:
after a drawn scenario, and for a project opened from its card's link (?project=<id>)."""

from __future__ import annotations

import sqlalchemy as sa

from layers.storage.models import projects
from tests.test_green_page_browser import SCENARIO_DONE, open_green, sample  # noqa: F401

pytest_plugins = ["tests.factories"]

READINESS_DONE = "body[data-readiness-state=done], body[data-readiness-state=error]"


def test_a_drawn_scenario_shows_its_effect_on_each_title(open_green):  # noqa: F811
    browsed = open_green()
    page = browsed.page
    box = page.locator(".folium-map").bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2

    page.click(".lcg-draw")
    for dx, dy in ((0, 0), (50, 0), (50, 50), (0, 50)):
        page.mouse.click(x + dx, y + dy)
    page.click(".lcg-finish")
    page.wait_for_selector(SCENARIO_DONE, timeout=60_000)
    page.wait_for_selector(READINESS_DONE, timeout=60_000)

    assert page.evaluate("document.body.dataset.readinessState") == "done"
    assert "对创建达标的影响" in page.inner_text(".lcg-readiness h3")
    rows = page.locator(".lcg-readiness-table tbody tr")
    keys = [(rows.nth(i).get_attribute("data-title"), rows.nth(i).get_attribute("data-item"))
            for i in range(rows.count())]
    assert ("national_garden", "green_space_ratio") in keys
    assert ("national_garden", "park_area_per_capita") in keys
    per_capita = page.locator('.lcg-readiness-table tr[data-title="national_garden"]'
                              '[data-item="park_area_per_capita"]').inner_text()
    before, after = (float(part.split()[0].replace(",", ""))
                     for part in per_capita.split("\t")[-2].split("→"))
    assert after > before
    assert "现状 → 实施后" in page.inner_text(".lcg-readiness-table thead")
    assert browsed.problems == []


def test_a_project_opened_from_its_card_shows_its_effect(open_green, sample):  # noqa: F811
    with sample.connect() as conn:  # 社区游园（口袋公园）建设: three pocket parks
        project_id = conn.scalar(sa.select(projects.c.id).where(projects.c.code == "LC-2025-002"))
    browsed = open_green(f"?project={project_id}")
    page = browsed.page
    page.wait_for_selector(READINESS_DONE, timeout=60_000)

    assert page.evaluate("document.body.dataset.readinessState") == "done"
    assert "LC-2025-002" in page.inner_text(".lcg-readiness")
    assert "无此项目 → 有此项目" in page.inner_text(".lcg-readiness-table thead")
    assert page.locator(".lcg-readiness-table tbody tr").count() >= 2
    assert browsed.problems == []


def test_a_park_project_card_links_to_its_effect_and_a_road_card_does_not(chromium,
                                                                          live_server, city):
    from tests.test_webmap_browser import Browsed, _watch, click_feature
    from webmap.screenshot import wait_until_ready

    context = chromium.new_context(locale="zh-CN", viewport={"width": 1280, "height": 800})
    try:
        browsed = Browsed(context.new_page())
        _watch(browsed)
        browsed.page.goto(live_server + "/")
        wait_until_ready(browsed.page, timeout_ms=15_000)
        page = browsed.page
        click_feature(page, "parks", 0)  # p1 牧马河公园, drawn by YL-001
        link = page.locator(".leaflet-popup-content .lc-card-readiness")
        link.wait_for()
        assert link.inner_text() == "对创建达标的影响"
        assert link.get_attribute("href").endswith(f"/green?project={city['YL-001']}")
        page.keyboard.press("Escape")
        click_feature(page, "road_segments", 1)  # r2 东环路: a road project draws no green
        page.locator(".leaflet-popup-content .lc-card").first.wait_for()
        assert page.locator(".leaflet-popup-content .lc-card-readiness").count() == 0
        assert browsed.problems == []
    finally:
        context.close()
