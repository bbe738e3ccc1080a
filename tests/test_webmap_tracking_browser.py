"""Writing from the map, in headless Chromium over real HTTP: signing in with a token, filing
a problem report by clicking the map, changing a project's status from its card (with a
stale change answered by the conflict), and the card's history as a timeline.

As in test_webmap_browser, every test fails on a console error, a page error, a dialog or a
request to any host but the service's own.
"""

from __future__ import annotations

import struct
import zlib

import pytest
import sqlalchemy as sa

from layers.cases.cases import take_step
from layers.storage.models import project_events, projects, reports
from layers.tracking.accounts import create_user, issue_token
from tests.factories import add_features
from tests.test_webmap_browser import click_feature, open_map, wait_until_still  # noqa: F401
from webmap.screenshot import wait_until_ready

pytest_plugins = ["tests.factories"]

#: A point inside the water-source zone added by ``town``: any report there goes to 县环保局.
IN_ZONE = (32.9725, 107.715)
# city: r2 东环路 carries DL-002 (交通局, 规划); r1 城南路 carries DL-001 (住建局, 在建, two events).


def _png() -> bytes:
    """A valid 1×1 PNG, so the report's thumbnail loads without an error."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data)))
    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\x00\xd3\x2f\x2f")) + chunk(b"IEND", b""))


@pytest.fixture
def town(city, clean_db) -> dict[str, int]:
    """The known city with a water-source protection zone south-west of the roads."""
    with clean_db.begin() as conn:
        add_features(conn, "water_source_areas", {
            "fid": "w1", "name": "牧马河水源地一级保护区", "zone_level": "level1",
            "src_type": "river",
            "geom": "MULTIPOLYGON(((107.70 32.965, 107.73 32.965, 107.73 32.978, "
                    "107.70 32.978, 107.70 32.965)))"})
    return city


@pytest.fixture
def tokens(town, clean_db) -> dict[str, str]:
    users = {"inspector": ("inspector", None, "督查员小李"),
             "planner": ("planner", "交通局", "交通局王工"),
             "admin": ("admin", None, "管理员")}
    with clean_db.begin() as conn:
        for name, (role, department, display) in users.items():
            create_user(conn, name, display, role, department)
        return {name: issue_token(conn, name) for name in users}


def sign_in(page, token: str) -> None:
    page.fill(".lc-login input[name=token]", token)
    page.click(".lc-login button[type=submit]")
    page.locator(".lc-user").wait_for()


def click_at(page, lat: float, lon: float) -> None:
    """Click the map at a latitude and longitude."""
    point = page.evaluate(f"window.lianchuangMap.map.latLngToContainerPoint([{lat}, {lon}])")
    box = page.locator(".folium-map").bounding_box()
    page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])
    wait_until_still(page)


def open_project_form(page, layer: str, index: int):
    click_feature(page, layer, index)
    page.locator(".leaflet-popup-content .lc-project-edit summary").first.click()
    form = page.locator(".leaflet-popup-content .lc-project-form").first
    form.wait_for()
    return form


def _project(engine, code: str) -> dict:
    with engine.connect() as conn:
        return dict(conn.execute(sa.select(projects).where(projects.c.code == code))
                    .mappings().one())


def test_signing_in_shows_who_and_signing_out_forgets_the_token(open_map, tokens):
    browsed = open_map()
    page = browsed.page

    sign_in(page, tokens["planner"])

    assert page.inner_text(".lc-user").startswith("交通局王工")
    assert "规划/部门管理员 · 交通局" in page.inner_text(".lc-user")
    assert page.evaluate("sessionStorage.getItem('lianchuang.token')") == tokens["planner"]
    page.click(".lc-user button")
    assert page.locator(".lc-login").count() == 1
    assert page.evaluate("sessionStorage.getItem('lianchuang.token')") is None
    assert browsed.problems == []


def test_a_wrong_token_is_refused_with_the_reason(open_map, tokens):
    browsed = open_map()
    page = browsed.page

    page.fill(".lc-login input[name=token]", "lc_forged")
    page.click(".lc-login button[type=submit]")

    message = page.locator(".lc-login .lc-form-msg")
    message.wait_for()
    assert message.inner_text().startswith("登录失败：")
    assert page.locator(".lc-user").count() == 0
    # Chromium logs the 401 answer itself; nothing else may go wrong.
    assert [p for p in browsed.problems if "401" not in p] == []


def test_reporting_needs_an_inspector(open_map, tokens):
    browsed = open_map()
    page = browsed.page
    assert page.locator(".lc-report-button").count() == 0

    sign_in(page, tokens["inspector"])

    assert page.locator(".lc-report-button").count() == 1
    assert browsed.problems == []


def test_inspector_files_a_report_by_clicking_the_map(open_map, tokens, clean_db, tmp_path):
    browsed = open_map()
    page = browsed.page
    sign_in(page, tokens["inspector"])
    page.click(".lc-report-button")
    click_at(page, *IN_ZONE)
    form = page.locator(".lc-report-form")
    form.wait_for()
    # The categories arrive from /open311/v2/services.json after the form is drawn.
    form.locator("select[name=service_code] option[value=garbage]").wait_for(state="attached")
    options = form.locator("select[name=service_code] option").all_inner_texts()
    # Parts (部件) first, then events (事件), in the order of the category seed.
    assert options[:3] == ["请选择", "污水井盖缺失或破损", "雨水箅子缺失或堵塞"]
    assert "垃圾堆积" in options and "其他" in options
    form.locator("select[name=service_code]").select_option("garbage")
    form.locator("textarea[name=description]").fill("河滨北路垃圾堆积 <b>多日</b>")
    photo = tmp_path / "garbage.png"
    photo.write_bytes(_png())
    form.locator("input[name=media]").set_input_files(str(photo))
    assert form.locator(".lc-file-name").inner_text() == "garbage.png"

    form.locator("button[type=submit]").click()

    assert "已上报，编号 1。" in page.locator(".lc-report-done").inner_text()
    with clean_db.connect() as conn:
        report = conn.execute(sa.select(reports)).mappings().one()
    assert (report.category, report.department) == ("garbage", "县环保局")
    assert report.photo_id is not None
    assert report.description == "河滨北路垃圾堆积 <b>多日</b>"
    page.locator(".lc-report-mark[data-report-id='1']").wait_for()  # the reports reloaded
    lon, lat = page.evaluate("(() => { const m = window.lianchuangMap.reportMarkers[1];"
                             " const p = m.getLatLng(); return [p.lng, p.lat]; })()")
    assert lat == pytest.approx(IN_ZONE[0], abs=5e-4)  # where it was clicked, to a pixel
    assert lon == pytest.approx(IN_ZONE[1], abs=5e-4)
    assert browsed.problems == []


def test_a_filed_report_is_on_the_map_with_its_department(open_map, tokens, client, clean_db):
    filed = client.post("/open311/v2/requests.json", data={
        "api_key": tokens["inspector"], "service_code": "road_damage",
        "lat": "32.99", "long": "107.75", "description": "路面坑槽"})
    assert filed.status_code == 201
    # Not yet filed by a dispatcher: readers who are not signed in do not see it.
    browsed = open_map()
    assert browsed.page.locator(".lc-report-mark").count() == 0
    with clean_db.begin() as conn:
        dispatcher = create_user(conn, "zhang", "张受理", "inspector", duties=("dispatcher",))
    take_step(clean_db, 1, dispatcher, "accept", version=1)
    browsed = open_map()
    page = browsed.page

    marker = page.locator(".lc-report-mark[data-report-id='1']")
    assert marker.get_attribute("data-status") == "filed"
    page.evaluate("window.lianchuangMap.reportMarkers[1].openPopup()")

    card = page.locator(".leaflet-popup-content .lc-case[data-loaded=yes]")
    card.wait_for()
    text = card.inner_text()
    for expected in ("道路破损", "县住建局", "按类别 道路破损", "路面坑槽", "已立案", "上报"):
        assert expected in text
    assert card.locator(".lc-step-button").count() == 0  # nobody signed in
    assert "登录后办理" in text
    assert "问题上报" in page.locator(".leaflet-control-layers-overlays").inner_text()
    assert browsed.problems == []


def test_report_form_is_in_english_on_the_english_page(open_map, tokens):
    browsed = open_map("/?lang=en")
    page = browsed.page
    sign_in(page, tokens["inspector"])
    page.click(".lc-report-button")
    click_at(page, *IN_ZONE)
    form = page.locator(".lc-report-form")
    form.wait_for()
    form.locator("select[name=service_code] option", has_text="Road damage").wait_for(
        state="attached")

    assert "Report a problem" in form.inner_text()
    assert browsed.problems == []


def test_planner_sees_only_the_workflows_next_statuses(open_map, tokens):
    browsed = open_map()
    page = browsed.page
    sign_in(page, tokens["planner"])

    form = open_project_form(page, "road_segments", 1)  # r2: DL-002, 规划

    options = form.locator("select[name=status] option").all_inner_texts()
    assert options == ["（不变）", "立项", "暂停"]
    assert browsed.problems == []


def test_planner_changes_the_status_from_the_popup(open_map, tokens, town, clean_db):
    browsed = open_map()
    page = browsed.page
    sign_in(page, tokens["planner"])
    form = open_project_form(page, "road_segments", 1)
    form.locator("select[name=status]").select_option("approved")
    form.locator("textarea[name=note]").fill("已批复立项")

    form.locator("button[type=submit]").click()

    card = page.locator(".leaflet-popup-content .lc-card").first
    card.locator(".lc-project-form .lc-form-msg", has_text="已保存").wait_for()
    project = _project(clean_db, "DL-002")
    assert (project["status"], project["version"]) == ("approved", 2)
    newest = card.locator(".lc-timeline .lc-event").first
    assert newest.get_attribute("data-kind") == "status"
    assert "规划" in newest.inner_text() and "立项" in newest.inner_text()
    assert "已批复立项" in newest.inner_text()
    # the next step is offered from the new status
    assert card.locator("select[name=status] option").all_inner_texts() == [
        "（不变）", "在建", "暂停"]
    assert browsed.problems == []


def test_a_stale_change_shows_the_conflict_and_can_be_sent_again(open_map, tokens, town,
                                                                 clean_db, client):
    browsed = open_map()
    page = browsed.page
    sign_in(page, tokens["planner"])
    form = open_project_form(page, "road_segments", 1)
    form.locator("select[name=status]").select_option("approved")
    # Meanwhile, someone else moves the project on.
    other = client.patch(f"/api/projects/{town['DL-002']}", json={"progress": 10},
                         headers={"Authorization": f"Bearer {tokens['admin']}",
                                  "If-Match": '"1"'})
    assert other.status_code == 200

    form.locator("button[type=submit]").click()

    card = page.locator(".leaflet-popup-content .lc-card").first
    message = card.locator(".lc-project-form .lc-form-msg.lc-error")
    message.wait_for()
    assert message.inner_text().startswith("该项目刚被他人修改")
    assert card.locator("input[name=progress]").input_value() == "10"  # the current state
    assert _project(clean_db, "DL-002")["status"] == "planned"  # nothing overwritten

    card.locator("select[name=status]").select_option("approved")
    card.locator("button[type=submit]").click()

    page.locator(".leaflet-popup-content .lc-project-form .lc-form-msg",
                 has_text="已保存").wait_for()
    project = _project(clean_db, "DL-002")
    assert (project["status"], project["progress"], project["version"]) == ("approved", 10, 3)
    # Chromium logs the 409 answer itself; nothing else may go wrong.
    assert [p for p in browsed.problems if "409" not in p] == []


def test_inspector_adds_a_note_but_cannot_change_the_status(open_map, tokens, town, clean_db):
    browsed = open_map()
    page = browsed.page
    sign_in(page, tokens["inspector"])
    form = open_project_form(page, "road_segments", 1)
    assert form.locator("select[name=status]").count() == 0
    form.locator("textarea[name=note]").fill("现场未见施工")

    form.locator("button[type=submit]").click()

    page.locator(".leaflet-popup-content .lc-project-form .lc-form-msg",
                 has_text="已保存").wait_for()
    with clean_db.connect() as conn:
        notes = conn.execute(sa.select(project_events.c.note).where(
            project_events.c.project_id == town["DL-002"])).scalars().all()
    assert notes == ["现场未见施工"]
    assert browsed.problems == []


def test_timeline_lists_the_events_newest_first(open_map, town):
    browsed = open_map()
    page = browsed.page
    click_feature(page, "road_segments", 0)  # r1: DL-001, imported then in progress
    card = page.locator(".leaflet-popup-content .lc-card", has_text="DL-001")
    card.locator(".lc-history summary").click()
    events = card.locator(".lc-timeline .lc-event")
    events.nth(1).wait_for()

    assert [events.nth(i).get_attribute("data-kind") for i in range(events.count())] == [
        "status", "import"]
    assert "路面铣刨完成" in events.nth(0).inner_text()
    assert "40%" in events.nth(0).inner_text()
    assert "台账导入" in events.nth(1).inner_text()
    assert browsed.problems == []


def test_a_project_link_opens_its_card_marked_among_the_features_projects(open_map, town):
    browsed = open_map(f"/#project={town['DL-001']}")  # on r1, with YL-001
    page = browsed.page

    marked = page.locator(".leaflet-popup-content .lc-card-focus")
    marked.wait_for()

    assert page.locator(".leaflet-popup-content .lc-card").count() == 2
    assert marked.count() == 1 and "DL-001" in marked.inner_text()
    wait_until_ready(page)
    assert browsed.problems == []


def test_a_link_to_a_missing_project_says_so_and_the_map_still_works(open_map, town):
    browsed = open_map("/#project=999999")
    page = browsed.page

    message = page.locator(".leaflet-popup-content .lc-error")
    message.wait_for()

    assert message.inner_text().startswith("无法打开链接中的项目：")
    wait_until_ready(page)
    assert page.evaluate("window.lianchuangMap.counts.road_segments") == 3
    # Chromium logs the 404 answer itself; nothing else may go wrong.
    assert [p for p in browsed.problems if "404" not in p] == []


def test_a_project_that_came_in_suspended_offers_every_stage_to_resume_to(open_map, tokens,
                                                                          town, clean_db):
    with clean_db.begin() as conn:  # as a ledger imported at 暂停 leaves it: no earlier stage
        conn.execute(sa.text("UPDATE projects SET status = 'suspended' WHERE code = 'DL-002'"))
        conn.execute(sa.text("UPDATE project_events SET status = 'suspended' WHERE project_id ="
                             " (SELECT id FROM projects WHERE code = 'DL-002')"))
    browsed = open_map()
    page = browsed.page
    sign_in(page, tokens["planner"])

    form = open_project_form(page, "road_segments", 1)

    options = form.locator("select[name=status] option").all_inner_texts()
    assert options == ["（不变）", "规划", "立项", "在建"]
    assert browsed.problems == []
