"""The inspection route page in headless Chromium, over real HTTP, on the grid town of
:mod:`tests.test_inspection_town`.

Every test fails on a console error, an uncaught page error, a dialog or a request to any
host but the service's own.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest

from api.app import create_app
from tests.test_inspection_town import (
    CENTRE,
    FUTURE,
    HTML_NAME,
    NE,
    PAST,
    TODAY,
    add_pocket_parks,
    with_inspection,
)

pytest_plugins = ["tests.factories", "tests.test_inspection_town"]

READY = "body[data-inspection-state=ready]"
PLANNED = "body[data-inspection-state=planned]"
#: Chromium reports an HTTP error answer as a console error; the page shows the message.
_HTTP_ERROR = "Failed to load resource: the server responded with a status of 4"


@pytest.fixture
def app(database_url: str):
    return with_inspection(create_app({"DATABASE_URL": database_url, "LIANCHUANG_TILES": "none",
                                       "TESTING": True}))


@pytest.fixture
def inspector_token(town, clean_db) -> str:
    from layers.tracking.accounts import create_user, issue_token
    with clean_db.begin() as conn:
        create_user(conn, "zhou", "周巡查", "inspector")
        return issue_token(conn, "zhou")


@pytest.fixture
def browse(chromium, live_server, town, inspector_token):
    """Opens the page in a fresh context; yields (page, problems) once it is ready.

    The tab is signed in as an inspector (the token in sessionStorage, where the planners'
    map leaves it) unless *signed_in* is false.
    """
    contexts = []

    def browse(query: str = f"today={TODAY}", allow_http_errors: bool = False,
               signed_in: bool = True):
        context = chromium.new_context(locale="zh-CN", viewport={"width": 1280, "height": 800},
                                       accept_downloads=True)
        contexts.append(context)
        if signed_in:
            context.add_init_script("window.sessionStorage.setItem('lianchuang.token', "
                                    f"{json.dumps(inspector_token)})")
        page, problems = context.new_page(), []

        def on_console(message):
            if message.type == "error" and not (allow_http_errors
                                                 and message.text.startswith(_HTTP_ERROR)):
                problems.append(f"console: {message.text}")

        page.on("console", on_console)
        page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
        page.on("request", lambda r: urlsplit(r.url).hostname != "127.0.0.1"
                and problems.append(f"request outside the service: {r.url}"))
        page.on("dialog", lambda d: (problems.append(f"dialog: {d.message}"), d.dismiss()))
        page.goto(f"{live_server}/inspection?{query}")
        page.wait_for_selector(READY, timeout=15_000)
        return page, problems

    yield browse
    for context in contexts:
        context.close()


def plan(page) -> None:
    page.click(".lc-plan")
    page.wait_for_selector(PLANNED, timeout=30_000)


def click_at(page, lon: float, lat: float) -> None:
    """Click the map at a lon/lat, as an inspector would."""
    x, y = page.evaluate("([lat, lon]) => { const p = window.lianchuangInspection.map"
                         ".latLngToContainerPoint([lat, lon]); return [p.x, p.y]; }", [lat, lon])
    box = page.locator(".leaflet-container").bounding_box()
    page.mouse.click(box["x"] + x, box["y"] + y)


def test_the_default_selection_is_todays_overdue_sites(browse):
    page, problems = browse()
    assert page.inner_text(".lc-count") == "已选 3 个点位"
    assert "1 个项目未关联可巡查的要素" in page.inner_text(".lc-inspection-panel")
    assert "县创建办（默认）" in page.inner_text(".lc-depot-name")
    assert problems == []


def test_planning_draws_the_route_with_numbered_stops_and_flags_the_far_one(browse):
    page, problems = browse()
    plan(page)
    assert page.locator(".leaflet-lc-route-pane path").count() == 1
    numbers = page.locator(".leaflet-lc-stops-pane .lc-number-icon").all_inner_texts()
    assert sorted(numbers) == ["1", "2"]
    assert page.locator(".leaflet-lc-stops-pane .lc-skip-icon").count() == 1
    result = page.inner_text(".lc-result")
    assert "安排点位\n2 / 3" in result
    assert f"XC-006 {HTML_NAME}" in result and "距道路过远" in result
    assert "XC-004 文明宣传" in result and "未关联可巡查的要素" in result
    assert page.locator(".lc-result script").count() == 0
    assert problems == []


def test_the_download_links_give_the_files(browse):
    page, problems = browse()
    plan(page)
    with page.expect_download() as download:
        page.click("a.lc-download[data-format=gpx]")
    assert download.value.suggested_filename.endswith(".gpx")
    answers = page.evaluate("""() => Promise.all([...document.querySelectorAll("a.lc-download")]
        .map((a) => fetch(a.href).then((r) => [a.dataset.format, r.status,
                                               r.headers.get("content-type")])))""")
    assert {fmt: (status, kind.split(";")[0]) for fmt, status, kind in answers} == {
        "gpx": (200, "application/gpx+xml"), "kml": (200, "application/vnd.google-earth.kml+xml"),
        "html": (200, "text/html")}
    assert problems == []


def test_clicking_a_site_adds_it_to_the_route(browse):
    page, problems = browse()
    park = page.evaluate("""() => [...window.lianchuangInspection.candidates.values()]
        .filter((c) => c.feature.properties.code === "XC-002")
        .map((c) => c.feature.geometry.coordinates)[0]""")
    click_at(page, *park)
    assert page.inner_text(".lc-count") == "已选 4 个点位"
    plan(page)
    assert page.locator(".leaflet-lc-stops-pane .lc-number-icon").count() == 3
    assert "XC-002 街心公园提升" in page.inner_text(".lc-visits")
    assert problems == []


def site_list(page, project_id: int) -> tuple[str, list[tuple[str, bool]]]:
    """The heading of a project's group in the panel's site list and its (site, ticked)."""
    group = page.locator(f".lc-site-group[data-project-id='{project_id}']")
    ticks = group.locator("input[name=site]")
    return (group.locator(".lc-site-project").inner_text(),
            list(zip(group.locator(".lc-site span").all_inner_texts(),
                     [ticks.nth(i).is_checked() for i in range(ticks.count())])))


def test_every_site_of_an_overdue_project_is_listed_under_it_and_ticked(browse, clean_db):
    project_id = add_pocket_parks(clean_db, PAST)
    page, problems = browse()
    assert page.inner_text(".lc-count") == "已选 6 个点位"
    assert site_list(page, project_id) == ("KY-001 社区游园建设 · 逾期", [
        ("一号游园", True), ("二号游园", True), ("三号游园", True)])
    assert "城关社区" not in page.inner_text(".lc-sites")  # a community is no site
    assert "2 个项目未关联可巡查的要素" in page.inner_text(".lc-inspection-panel")
    page.get_by_label("二号游园").uncheck()
    assert page.inner_text(".lc-count") == "已选 5 个点位"
    plan(page)
    visits = page.inner_text(".lc-visits")
    assert "一号游园" in visits and "三号游园" in visits and "二号游园" not in visits
    assert problems == []


def test_a_project_not_overdue_offers_its_sites_with_the_first_ticked(browse, clean_db):
    project_id = add_pocket_parks(clean_db, FUTURE)
    page, problems = browse()
    page.select_option("select[name=mode]", "filter")
    page.select_option("select[name=department]", "社区办")
    page.wait_for_function(
        "() => document.querySelector('.lc-count').textContent === '已选 1 个点位'")
    assert site_list(page, project_id) == ("KY-001 社区游园建设", [
        ("一号游园", True), ("二号游园", False), ("三号游园", False)])
    page.get_by_label("三号游园").check()
    plan(page)
    visits = page.inner_text(".lc-visits")
    assert "一号游园" in visits and "三号游园" in visits and "二号游园" not in visits
    assert problems == []


def test_the_depot_is_picked_by_clicking_the_map(browse):
    page, problems = browse()
    page.click("text=在地图上点选")
    click_at(page, *NE)
    assert page.inner_text(".lc-depot-name").startswith("出发地点 · 33.00400, 107.70400")
    plan(page)
    route = page.evaluate("window.lianchuangInspection.route.depot")
    assert (route["lon"], route["lat"]) == pytest.approx(NE, abs=1e-5)
    assert route["source"] == "request"
    assert problems == []


def test_reports_mode_selects_the_open_reports(browse):
    page, problems = browse()
    page.select_option("select[name=mode]", "reports")
    page.wait_for_function(
        "() => document.querySelector('.lc-count').textContent === '已选 2 个点位'")
    plan(page)
    assert "问题上报" in page.inner_text(".lc-visits")
    assert problems == []


def test_a_refused_plan_shows_the_reason(browse):
    page, problems = browse(allow_http_errors=True)
    page.fill("input[name=inspectors]", "0")
    page.click(".lc-plan")
    page.wait_for_selector(".lc-status.lc-error")
    assert "inspectors=0 is out of range" in page.inner_text(".lc-status")
    assert problems == []


def test_the_english_page_plans_too(browse):
    page, problems = browse(f"lang=en&today={TODAY}")
    assert page.inner_text(".lc-count") == "3 sites selected"
    plan(page)
    assert "Stops planned\n2 / 3" in page.inner_text(".lc-result")
    depot = page.evaluate("window.lianchuangInspection.route.depot")
    assert (depot["lon"], depot["lat"]) == pytest.approx(CENTRE, abs=1e-9)
    assert problems == []


def test_planning_asks_for_a_sign_in_and_then_plans(browse, inspector_token):
    page, problems = browse(signed_in=False)
    posts = []
    page.on("request", lambda r: r.method == "POST" and posts.append(r.url))
    page.click(".lc-plan")
    page.wait_for_selector(".lc-status.lc-error")
    assert "请先用督查员及以上角色的令牌登录" in page.inner_text(".lc-status")
    assert posts == []
    page.fill(".lc-token", inspector_token)
    page.click(".lc-sign-in")
    page.wait_for_selector(".lc-signed-in")
    assert "周巡查" in page.inner_text(".lc-signed-in")
    plan(page)
    assert "安排点位\n2 / 3" in page.inner_text(".lc-result")
    assert problems == []


def test_a_wrong_token_is_refused_and_signing_out_forgets_the_token(browse):
    page, problems = browse(allow_http_errors=True)
    assert "周巡查" in page.inner_text(".lc-signed-in")
    page.click(".lc-sign-out")
    assert page.evaluate("window.sessionStorage.getItem('lianchuang.token')") is None
    page.fill(".lc-token", "lc_not_a_token")
    page.click(".lc-sign-in")
    page.wait_for_selector(".lc-status.lc-error")
    assert page.query_selector(".lc-signed-in") is None
    assert problems == []
