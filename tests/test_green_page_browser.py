"""The green-space page (/green) in headless Chromium, over real HTTP, on the shipped sample.

Every test fails on a console error, an uncaught page error, a dialog or a request to any
host but the service's own (the page runs with no basemap, LIANCHUANG_TILES=none).
"""

from __future__ import annotations

import json
from urllib.request import urlopen

import pytest

from api.app import create_app
from layers.exchange.importer import import_paths
from layers.tracking.accounts import create_user, issue_token
from tests.conftest import SAMPLE
from tests.live_server import served
from tests.test_webmap_browser import Browsed, _watch
from webmap.green_page import CHOROPLETH_COLORS
from webmap.screenshot import wait_until_ready

pytest_plugins = ["tests.factories"]

SCENARIO_DONE = "body[data-scenario-state=done], body[data-scenario-state=error]"


@pytest.fixture
def sample(clean_db):
    import_paths(clean_db, [SAMPLE])
    return clean_db


@pytest.fixture
def open_green(chromium, live_server, sample):
    """Opens /green (with *query*) in a fresh context once the panel and layers are loaded."""
    contexts = []

    def open_green(query: str = "") -> Browsed:
        context = chromium.new_context(locale="zh-CN", viewport={"width": 1400, "height": 900})
        contexts.append(context)
        browsed = Browsed(context.new_page())
        _watch(browsed)
        browsed.page.goto(f"{live_server}/green{query}")
        wait_until_ready(browsed.page, timeout_ms=30_000)
        return browsed

    yield open_green
    for context in contexts:
        context.close()


@pytest.fixture
def api(live_server, sample):
    def api(path: str) -> dict:
        with urlopen(live_server + path, timeout=60) as response:
            return json.load(response)
    return api


def panel_rows(page) -> dict[str, str]:
    rows = page.locator(".lcg-panel > .lcg-indicators tbody tr")
    return {rows.nth(i).get_attribute("data-indicator"): rows.nth(i).inner_text()
            for i in range(rows.count())}


def community_fills(page) -> list[str]:
    return page.eval_on_selector_all(".leaflet-lcg-communities-pane path",
                                     "paths => paths.map(p => p.getAttribute('fill'))")


def test_the_panel_shows_every_sample_indicator_with_its_verdict(open_green, api):
    browsed = open_green("?title=gb55014_2021")
    expected = api("/api/metrics/green?title=gb55014_2021")["built_up"]["indicators"]

    rows = panel_rows(browsed.page)

    assert list(rows) == [row["key"] for row in expected]
    for row in expected:
        text = rows[row["key"]]
        assert row["title"] in text
        assert {True: "达标", False: "未达标", None: "不考核"}[row["passed"]] in text
        if row["passed"] is False:
            assert row["message"] in text.replace("\n", "")
    assert "> 8.00" in rows["park_area_per_capita"]
    assert browsed.problems == []


def test_the_choropleth_paints_each_community_by_its_value(open_green, api):
    browsed = open_green()
    communities = api("/api/metrics/green")["communities"]

    fills = community_fills(browsed.page)

    assert len(fills) == len(communities) == 15
    assert set(fills) <= set(CHOROPLETH_COLORS)
    assert len(set(fills)) >= 3
    assert browsed.problems == []


def test_choosing_another_indicator_repaints_the_communities(open_green):
    browsed = open_green()
    before = community_fills(browsed.page)

    browsed.page.select_option(".lcg-choropleth-key", "park_area_per_capita")

    after = community_fills(browsed.page)
    assert after != before
    assert "m²/人" in browsed.page.inner_text(".lcg-legend")
    assert browsed.problems == []


def test_the_unserved_residential_land_is_drawn(open_green, api):
    browsed = open_green()
    unserved = api("/api/metrics/green/unserved")

    drawn = browsed.page.locator(".leaflet-lcg-unserved-pane path").count()

    assert drawn == len(unserved["features"]) > 0
    assert f"{unserved['unserved_m2'] / 1e4:.1f}" in browsed.page.inner_text(".lcg-legend")


def test_drawing_a_polygon_shows_every_indicator_before_and_after(open_green, api):
    browsed = open_green()
    page = browsed.page
    keys = [row["key"] for row in api("/api/metrics/green")["built_up"]["indicators"]]
    box = page.locator(".folium-map").bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2

    page.click(".lcg-draw")
    for dx, dy in ((0, 0), (50, 0), (50, 50), (0, 50)):
        page.mouse.click(x + dx, y + dy)
    page.click(".lcg-finish")
    page.wait_for_selector(SCENARIO_DONE, timeout=60_000)

    assert page.evaluate("document.body.dataset.scenarioState") == "done"
    rows = page.locator(".lcg-scenario-table tbody tr")
    assert [rows.nth(i).get_attribute("data-indicator") for i in range(rows.count())] == keys
    per_capita = page.locator('.lcg-scenario-table tr[data-indicator="park_area_per_capita"] td')
    before, after = (float(per_capita.nth(i).inner_text().split()[0].replace(",", ""))
                     for i in (1, 2))
    assert after > before
    assert page.locator(".lcg-changes li").count() == 1
    assert page.locator(".leaflet-lcg-scenario-pane path").count() == 1
    assert browsed.problems == []


def test_a_polygon_outside_the_town_is_refused_with_the_reason(open_green):
    browsed = open_green()
    page = browsed.page
    box = page.locator(".folium-map").bounding_box()
    x, y = box["x"] + 20, box["y"] + box["height"] - 60  # the empty corner, outside 建成区

    page.click(".lcg-draw")
    for dx, dy in ((0, 0), (15, 0), (15, 15)):
        page.mouse.click(x + dx, y + dy)
    page.click(".lcg-finish")
    page.wait_for_selector(SCENARIO_DONE, timeout=60_000)

    assert page.evaluate("document.body.dataset.scenarioState") == "error"
    assert "outside the built-up area" in page.inner_text(".lcg-status")
    assert page.locator(".lcg-changes li").inner_text() == "尚无变更"
    assert page.locator(".leaflet-lcg-scenario-pane path").count() == 0


def test_converting_a_shantytown_zone_from_its_popup_runs_a_scenario(open_green):
    browsed = open_green()
    page = browsed.page
    zone = page.locator(".leaflet-lcg-shantytowns-pane path").first.bounding_box()

    page.mouse.click(zone["x"] + zone["width"] / 2, zone["y"] + zone["height"] / 2)
    page.click(".lcg-popup .lcg-button")
    page.wait_for_selector(SCENARIO_DONE, timeout=60_000)

    assert page.evaluate("document.body.dataset.scenarioState") == "done"
    assert "改为" in page.locator(".lcg-changes li").inner_text()
    ratio = page.locator('.lcg-scenario-table tr[data-indicator="green_space_ratio"] td')
    assert ratio.nth(3).inner_text().startswith("+")
    assert browsed.problems == []


def test_the_english_page_reads_in_english(open_green):
    browsed = open_green("?lang=en&title=gb55014_2021")
    page = browsed.page

    assert page.inner_text(".lcg-header h1") == "Green-space indicators"
    assert page.evaluate("document.documentElement.lang") == "en"
    rows = panel_rows(page)
    assert "Park area per capita" in rows["park_area_per_capita"]
    assert "pass" in rows["park_area_per_capita"]
    assert "needs more than" in rows["park_service_coverage"]
    assert browsed.problems == []


def test_a_signed_in_page_reads_with_its_token_where_reading_needs_one(chromium, database_url,
                                                                       sample):
    """With LIANCHUANG_READ=viewer every API read needs the token the tab signed in with."""
    app = create_app({"DATABASE_URL": database_url, "LIANCHUANG_TILES": "none",
                      "LIANCHUANG_READ": "viewer"})
    with sample.begin() as conn:
        create_user(conn, "viewer", "查看员", "viewer", None)
        token = issue_token(conn, "viewer")
    context = chromium.new_context(locale="zh-CN", viewport={"width": 1400, "height": 900})
    browsed = Browsed(context.new_page())
    _watch(browsed)
    page = browsed.page
    # The page itself is fetched with the token (as a signed-in proxy would); its script
    # must send the token from the tab's sign-in on its own.
    page.add_init_script(f"sessionStorage.setItem('lianchuang.token', {json.dumps(token)})")
    with served(app) as base:
        page.route(f"{base}/green", lambda route: route.continue_(
            headers={**route.request.headers, "Authorization": f"Bearer {token}"}))
        page.goto(f"{base}/green")
        wait_until_ready(page, timeout_ms=30_000)
        context.close()

    assert browsed.problems == []


def test_the_page_opens_on_the_title_the_county_works_toward(open_green):
    page = open_green().page

    assert page.eval_on_selector(".lcg-title", "s => s.value") == "national_garden"
    assert page.inner_text(".lcg-veto") == "有否决项未达标"


def test_an_unjudged_veto_item_is_never_reported_as_passed(open_green, api):
    body = api("/api/metrics/green?title=provincial_eco_garden")
    assert body["veto_state"] == "unjudged"  # its veto thresholds are not known yet

    page = open_green("?title=provincial_eco_garden").page

    assert page.inner_text(".lcg-veto") == "否决项尚有未能判定的（阈值未知或缺数据），不能认为均未失分"
    assert "均未失分" not in page.inner_text(".lcg-veto").replace("不能认为均未失分", "")


@pytest.mark.parametrize("lang, words", [
    ("zh", ("数据提示", "建成区", "行道树树冠投影")),
    ("en", ("Data warning", "the built-up area", "no street-tree canopy")),
])
def test_coverage_below_the_ratio_shows_its_warning_next_to_the_indicator(
        open_green, sample, lang, words):
    import sqlalchemy as sa

    with sample.begin() as conn:  # the sample without its street-tree canopy
        for table in ("road_segments", "streets"):
            conn.execute(sa.text(f"UPDATE {table} SET canopy_w = NULL, imported_at = now()"))
    browsed = open_green(f"?lang={lang}")

    warning = browsed.page.locator(
        '.lcg-indicators tr[data-indicator="green_coverage_rate"] .lcg-warning')
    text = warning.inner_text()
    assert warning.get_attribute("data-warning") == "coverage_below_ratio"
    assert all(word in text for word in words), text
    assert browsed.page.locator(
        '.lcg-indicators tr[data-indicator="green_space_ratio"] .lcg-warning').count() == 0
    assert browsed.problems == []


def test_the_sample_with_its_canopy_warns_only_of_the_communities_still_below(open_green):
    browsed = open_green()

    text = browsed.page.locator(
        '.lcg-indicators tr[data-indicator="green_coverage_rate"] .lcg-warning').inner_text()
    # coverage 29.6 % >= ratio 29.4 % in the built-up area; 7 communities stay below, where
    # green land has veg_ratio < 1 and no layer maps the vegetation on other land
    assert "15个社区中的7个" in text and "建成区" not in text
    assert "行道树" not in text and "其他用地上的植被" in text
    assert browsed.problems == []
