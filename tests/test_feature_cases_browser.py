"""A feature's cases on its card, in headless Chromium over real HTTP: an inspector signed in
reports a problem about a road segment from the segment's card; the case carries the
segment (layer and id) and the card lists it afterwards."""

from __future__ import annotations

from layers.tracking.problem_reports import list_reports
from tests.test_case_browser import app, people, photo, shots, signed_in  # noqa: F401
from tests.test_webmap_browser import click_feature, wait_until_still

pytest_plugins = ["tests.factories"]


def test_an_inspector_reports_a_problem_about_a_road_from_its_card(
        people, signed_in, shots, clean_db):
    browsed = signed_in(people["inspector"])
    page = browsed.page
    click_feature(page, "road_segments", 0)
    card = page.locator(".leaflet-popup-content")
    cases = card.locator(".lc-feature-cases")
    cases.locator("p", has_text="暂无").wait_for()
    road = card.locator(".lc-popup-title").inner_text()
    cases.locator("button", has_text="就此要素上报问题").click()
    form = page.locator(".lc-report-form")
    form.wait_for()
    assert f"关于：{road}" in form.inner_text()
    form.locator("select[name=service_code]").select_option("road_damage")
    form.locator("textarea[name=description]").fill("路面坑槽两处")
    form.locator("button[type=submit]").click()
    page.locator(".lc-report-done .lc-success").wait_for()
    page.screenshot(path=str(shots / "feature-case-filed.png"))

    (case,) = list_reports(clean_db)
    assert case["feature"]["layer"] == "road_segments"
    assert case["category"] == "road_damage" and case["description"] == "路面坑槽两处"

    page.evaluate("window.lianchuangMap.map.closePopup()")
    wait_until_still(page)
    click_feature(page, "road_segments", 0)
    item = page.locator(f".lc-feature-cases .lc-case-item[data-case-id='{case['id']}']")
    item.wait_for()
    assert "道路破损 · 已上报" in item.inner_text()
    page.screenshot(path=str(shots / "feature-card-lists-case.png"))
    assert browsed.problems == []
