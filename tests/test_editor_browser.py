"""Edit mode on the map (issue 16), in headless Chromium over real HTTP: a planner of 住建局
signed in on /signin draws a park, fills the form built from the layer's spec, links it to
their department's project and saves (version 1); reshapes it and saves (version 2);
restores version 1 from the feature card's history (version 3) and sees three versions.
And a stale edit: the feature is changed behind the page's back (another token); saving from
the page is answered 412 and the page offers both versions, drawn on the map, to keep one.

As in test_webmap_browser, a console error, a page error, a dialog or a request to any host
but the service's own fails a test (the 412's own console line aside).  Screenshots of the
edit mode and the history card go to EDITOR_SCREENSHOTS when set (to look at them).
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlencode

import pytest
import requests
import sqlalchemy as sa
from shapely.geometry import shape

from layers.storage.models import feature_versions, project_features
from layers.tracking.accounts import create_user, issue_token, set_password
from tests.test_controls_layout_browser import _COLLISIONS
from tests.test_webmap_browser import Browsed, _watch, wait_until_still
from webmap.screenshot import wait_until_ready

pytest_plugins = ["tests.factories"]

PASSWORD = "xixiang-2026-lc"
DESKTOP = {"width": 1280, "height": 800}
ITEMS = "/ogc/collections/parks/items"
#: Where the park is drawn: east of p1 (107.73-107.74, 32.97-32.975), clear of everything.
CORNERS = [(32.9705, 107.7430), (32.9705, 107.7450), (32.9725, 107.7450), (32.9725, 107.7430)]


@pytest.fixture
def people(city, clean_db):
    with clean_db.begin() as conn:
        create_user(conn, "wang", "王规划", "planner", "住建局")
        set_password(conn, "wang", PASSWORD)
        create_user(conn, "root", "管理员", "admin")
        return {"root": issue_token(conn, "root")}


@pytest.fixture
def shots(tmp_path) -> Path:
    folder = Path(os.environ.get("EDITOR_SCREENSHOTS") or tmp_path / "shots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def planner(chromium, live_server, people):
    context = chromium.new_context(locale="zh-CN", timezone_id="Asia/Shanghai",
                                   viewport=DESKTOP)
    browsed = Browsed(context.new_page())
    _watch(browsed)
    page = browsed.page
    page.goto(live_server + "/signin?" + urlencode({"next": "/"}))
    page.fill("input[name=username]", "wang")
    page.fill("input[name=password]", PASSWORD)
    page.click(".si-form button[type=submit]")
    page.wait_for_url(live_server + "/")
    wait_until_ready(page, timeout_ms=15_000)
    page.locator(".lc-user").wait_for()
    yield browsed
    context.close()


def screen_point(page, lat: float, lon: float) -> tuple[float, float]:
    point = page.evaluate(f"window.lianchuangMap.map.latLngToContainerPoint([{lat}, {lon}])")
    box = page.locator(".folium-map").bounding_box()
    return box["x"] + point["x"], box["y"] + point["y"]


def frame_the_park(page) -> None:
    page.evaluate("window.lianchuangMap.map.setView([32.9715, 107.744], 16, {animate: false})")
    wait_until_ready(page)


def enter_edit_mode(page, layer: str = "parks") -> None:
    page.click(".lc-editor-toggle")
    page.locator(".lc-editor-layer").select_option(layer)
    page.locator("[data-action^=draw-]").first.wait_for()


def draw_park(page) -> None:
    page.click("[data-action=draw-polygon]")
    for lat, lon in CORNERS:
        page.mouse.click(*screen_point(page, lat, lon))
        page.wait_for_timeout(100)
    page.mouse.click(*screen_point(page, *CORNERS[0]))  # back at the first point: done
    page.locator(".lc-editor-form").wait_for()


def save(page) -> str:
    page.click(".lc-editor-form button[type=submit]")
    page.wait_for_selector("body:not([data-editor=saving])")
    return page.locator(".lc-editor-msg").inner_text()


def versions(clean_db, fid):
    with clean_db.connect() as conn:
        return conn.execute(sa.select(feature_versions.c.version, feature_versions.c.op,
                                      feature_versions.c.channel, feature_versions.c.note)
                            .where(feature_versions.c.fid == fid)
                            .order_by(feature_versions.c.version)).all()


def test_draw_fill_link_save_reshape_restore_and_see_three_versions(
        planner, live_server, clean_db, city, shots):
    page = planner.page
    frame_the_park(page)
    enter_edit_mode(page)
    draw_park(page)
    form = page.locator(".lc-editor-form")
    # The form is the layer's spec: Chinese labels, the required class a select of labels.
    assert "公园类别 *" in form.inner_text()
    assert form.locator("select[name=park_class] option", has_text="社区公园").count() == 1
    # A required field left empty: the server's 400 says which, in the form.
    form.locator("input[name=name]").fill("滨河新公园")
    message = save(page)
    assert "未能保存" in message and "公园类别" in message
    form.locator("select[name=park_class]").select_option("G12")
    form.locator("input[name=opened]").fill("2026")
    form.locator("select[name=project]").select_option("DL-001")
    form.locator("textarea[name=note]").fill("规划新增")
    assert "第 1 版" in save(page) or "version 1" in page.locator(".lc-editor-msg").inner_text()
    fid = page.evaluate("window.lianchuangMap.editor.state.fid")
    page.screenshot(path=str(shots / "editor-saved.png"))

    stored = requests.get(f"{live_server}{ITEMS}/{fid}", timeout=10)
    assert stored.headers["ETag"] == '"1"'
    assert stored.json()["properties"]["park_class"] == "G12"
    first_area = shape(stored.json()["geometry"]).area
    with clean_db.connect() as conn:
        links = conn.execute(sa.select(project_features.c.project_id)
                             .where(project_features.c.fid == fid)).scalars().all()
    assert links == [city["DL-001"]]

    # Reshape: drag the north-east vertex 40 pixels further north-east, then save.
    page.click("[data-action=reshape]")
    x, y = screen_point(page, *CORNERS[2])
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 20, y - 20, steps=4)
    page.mouse.move(x + 40, y - 40, steps=4)
    page.mouse.up()
    page.screenshot(path=str(shots / "editor-reshape.png"))
    save(page)
    reshaped = requests.get(f"{live_server}{ITEMS}/{fid}", timeout=10)
    assert reshaped.headers["ETag"] == '"2"'
    assert shape(reshaped.json()["geometry"]).area > first_area * 1.1

    # The card: its history lists both versions; restore the first.
    page.click(".lc-editor-toggle")  # leave edit mode: a click opens the card again
    wait_until_ready(page)
    x, y = screen_point(page, 32.9712, 107.7435)
    page.mouse.click(x, y)
    wait_until_still(page)
    card = page.locator(".leaflet-popup-content")
    card.locator(".lc-feature-history summary").click()
    card.locator(".lc-version").nth(1).wait_for()
    assert card.locator(".lc-version").count() == 2
    card.locator(".lc-version[data-version='1'] .lc-version-show").click()
    card.locator(".lc-minimap").wait_for()
    page.locator(".leaflet-popup").screenshot(path=str(shots / "editor-history.png"))
    page.screenshot(path=str(shots / "editor-history-page.png"))
    card.locator(".lc-version[data-version='1'] .lc-version-restore").click()
    card.locator(".lc-version").nth(2).wait_for()
    assert card.locator(".lc-version").count() == 3
    assert "第 3 版" in card.inner_text() or "Version 3" in card.inner_text()

    restored = requests.get(f"{live_server}{ITEMS}/{fid}", timeout=10)
    assert restored.headers["ETag"] == '"3"'
    assert shape(restored.json()["geometry"]).area == pytest.approx(first_area)
    assert [(v, op, channel) for v, op, channel, _ in versions(clean_db, fid)] == [
        (1, "insert", "map"), (2, "update", "map"), (3, "update", "restore-version")]
    assert versions(clean_db, fid)[0][3] == "规划新增"
    # The refused first save (400) is the one console line the page may log.
    assert [p for p in planner.problems if "400" not in p] == []


def test_a_stale_save_offers_both_versions_and_keeping_mine_saves_it(
        planner, live_server, clean_db, people, shots):
    page = planner.page
    frame_the_park(page)
    enter_edit_mode(page)
    draw_park(page)
    form = page.locator(".lc-editor-form")
    form.locator("input[name=name]").fill("滨河新公园")
    form.locator("select[name=park_class]").select_option("G12")
    save(page)
    fid = page.evaluate("window.lianchuangMap.editor.state.fid")

    # Behind the page's back: an admin moves the park 0.001° east through the API.
    moved = {"type": "Polygon", "coordinates": [[[lon + 0.001, lat] for lat, lon in
                                                 CORNERS + CORNERS[:1]]]}
    behind = requests.patch(f"{live_server}{ITEMS}/{fid}", json={"geometry": moved},
                            headers={"Authorization": f"Bearer {people['root']}",
                                     "If-Match": '"1"'}, timeout=10)
    assert behind.status_code == 200 and behind.headers["ETag"] == '"2"'

    form.locator("input[name=name]").fill("滨河新公园（改名）")
    message = save(page)
    assert "有人" in message or "someone" in message.lower()
    choice = page.locator(".lc-stale-choice")
    assert choice.is_visible()
    assert "第 2 版" in choice.inner_text() or "version 2" in choice.inner_text()
    # Both drawn on the map: the editing copy and the current one, in their own styles.
    strokes = page.evaluate("""() => [...document.querySelectorAll(
        '.leaflet-lc-editing-pane path')].map((p) => p.getAttribute('stroke'))""")
    assert sorted(strokes) == ["#1565c0", "#ef6c00"]
    page.screenshot(path=str(shots / "editor-stale.png"))

    choice.locator("[data-action=keep-mine]").click()
    page.wait_for_selector("body[data-editor=editing]")
    page.locator(".lc-stale-choice").wait_for(state="detached")
    final = requests.get(f"{live_server}{ITEMS}/{fid}", timeout=10)
    assert final.headers["ETag"] == '"3"'
    assert final.json()["properties"]["name"] == "滨河新公园（改名）"
    bounds = shape(final.json()["geometry"]).bounds
    assert bounds[0] == pytest.approx(CORNERS[0][1], abs=2e-5)  # mine: not moved east
    # The 412 itself is the one console line the page may log.
    assert [p for p in planner.problems if "412" not in p] == []


#: A road drawn with a vertex in the middle, east of the park p1.
ROAD = [(32.9715, 107.7430), (32.9715, 107.7450), (32.9725, 107.7470)]


def test_a_line_is_split_at_a_vertex_merged_back_and_deleted(planner, live_server, clean_db):
    page = planner.page
    frame_the_park(page)
    enter_edit_mode(page, "road_segments")
    page.click("[data-action=draw-line]")
    for lat, lon in ROAD:
        page.mouse.click(*screen_point(page, lat, lon))
        page.wait_for_timeout(100)
    page.mouse.click(*screen_point(page, *ROAD[-1]))  # the last point again: done
    form = page.locator(".lc-editor-form")
    form.wait_for()
    form.locator("input[name=name]").fill("滨河路")
    form.locator("select[name=road_class]").select_option("local")
    form.locator("input[name=lanes]").fill("2")
    save(page)
    fid = page.evaluate("window.lianchuangMap.editor.state.fid")
    wait_until_ready(page)

    page.click("[data-action=split]")
    page.mouse.click(*screen_point(page, *ROAD[1]))
    page.locator(".lc-editor-msg", has_text="另一部分").wait_for()
    other = page.locator(".lc-editor-msg").inner_text().split("另一部分为 ")[1].rstrip("。")
    first = requests.get(f"{live_server}/ogc/collections/road_segments/items/{fid}", timeout=10)
    second = requests.get(f"{live_server}/ogc/collections/road_segments/items/{other}",
                          timeout=10)
    assert first.headers["ETag"] == '"2"' and second.headers["ETag"] == '"1"'
    assert shape(first.json()["geometry"]).length == pytest.approx(0.002, abs=1e-4)
    assert second.json()["properties"]["lanes"] == 2  # the other part keeps the attributes
    wait_until_ready(page)

    page.click("[data-action=merge]")
    page.mouse.click(*screen_point(page, 32.9720, 107.7460))  # on the other part
    page.locator(".lc-editor-msg", has_text="合并").wait_for()
    merged = requests.get(f"{live_server}/ogc/collections/road_segments/items/{fid}", timeout=10)
    assert merged.headers["ETag"] == '"3"'
    assert shape(merged.json()["geometry"]).length == pytest.approx(
        0.002 + (0.002 ** 2 + 0.001 ** 2) ** 0.5, abs=1e-4)
    assert requests.get(f"{live_server}/ogc/collections/road_segments/items/{other}",
                        timeout=10).status_code == 404

    page.click("[data-action=delete]")
    page.locator(".lc-editor .lc-form-msg", has_text="已删除").wait_for()
    assert requests.get(f"{live_server}/ogc/collections/road_segments/items/{fid}",
                        timeout=10).status_code == 404
    assert [op for _, op, _, _ in versions(clean_db, fid)] == [
        "insert", "update", "update", "delete"]
    assert planner.problems == []


def test_a_repaired_geometry_is_listed_and_drawn_as_the_server_stored_it(planner, live_server):
    page = planner.page
    frame_the_park(page)
    enter_edit_mode(page)
    draw_park(page)
    # Geoman refuses to draw a bow tie; a pasted one (as from a GPS file) reaches the server,
    # which repairs it into two triangles.
    (a_lat, a_lon), _, (c_lat, c_lon), _ = CORNERS
    page.evaluate(f"""() => {{
        const editor = window.lianchuangMap.editor;
        editor.group.clearLayers();
        editor.state.layer = L.polygon([[{a_lat}, {a_lon}], [{c_lat}, {c_lon}],
                                        [{a_lat}, {c_lon}], [{c_lat}, {a_lon}]]);
        editor.group.addLayer(editor.state.layer);
    }}""")
    form = page.locator(".lc-editor-form")
    form.locator("input[name=name]").fill("蝴蝶形")
    form.locator("select[name=park_class]").select_option("G12")
    save(page)
    assert "修复" in page.locator(".lc-editor-msg").inner_text()
    assert page.locator(".lc-editor-repairs li").count() >= 1
    drawn = page.evaluate("window.lianchuangMap.editor.state.layer.toGeoJSON().geometry")
    fid = page.evaluate("window.lianchuangMap.editor.state.fid")
    stored = requests.get(f"{live_server}{ITEMS}/{fid}", timeout=10).json()["geometry"]
    assert shape(drawn).equals(shape(stored)) and stored["type"] == "MultiPolygon"
    assert len(stored["coordinates"]) == 2
    assert [p for p in planner.problems if "400" not in p] == []


def test_cutting_away_the_east_half_of_a_park_keeps_the_west_half(planner, live_server):
    page = planner.page
    frame_the_park(page)
    enter_edit_mode(page)
    draw_park(page)
    form = page.locator(".lc-editor-form")
    form.locator("input[name=name]").fill("滨河新公园")
    form.locator("select[name=park_class]").select_option("G12")
    save(page)
    fid = page.evaluate("window.lianchuangMap.editor.state.fid")
    area = shape(requests.get(f"{live_server}{ITEMS}/{fid}", timeout=10).json()["geometry"]).area
    page.click("[data-action=cut]")
    # A rectangle over the east half, reaching beyond the park on three sides.
    cut = [(32.9700, 107.7440), (32.9700, 107.7460), (32.9730, 107.7460), (32.9730, 107.7440)]
    for lat, lon in cut:
        page.mouse.click(*screen_point(page, lat, lon))
        page.wait_for_timeout(100)
    page.mouse.click(*screen_point(page, *cut[0]))
    page.locator(".lc-editor .lc-form-msg", has_text="已切割").wait_for()
    save(page)
    kept = requests.get(f"{live_server}{ITEMS}/{fid}", timeout=10)
    assert kept.headers["ETag"] == '"2"'
    assert shape(kept.json()["geometry"]).area == pytest.approx(area / 2, rel=0.05)
    assert shape(kept.json()["geometry"]).bounds[2] == pytest.approx(107.744, abs=3e-5)
    assert planner.problems == []


def test_the_editor_speaks_english_and_is_hidden_from_anonymous_visitors(
        planner, live_server, chromium):
    anonymous = chromium.new_context(viewport=DESKTOP)
    visitor = anonymous.new_page()
    visitor.goto(live_server + "/")
    wait_until_ready(visitor)
    assert visitor.locator(".lc-editor").count() == 1 and visitor.locator(".lc-editor").is_hidden()
    anonymous.close()
    page = planner.page
    page.goto(live_server + "/?lang=en")
    wait_until_ready(page)
    page.locator(".lc-user").wait_for()
    frame_the_park(page)
    page.locator(".lc-editor-toggle", has_text="Edit features").click()
    page.locator(".lc-editor-layer").select_option("parks")
    draw_park(page)
    form = page.locator(".lc-editor-form")
    assert "Park class *" in form.inner_text() and "Link to project" in form.inner_text()
    assert form.locator("select[name=park_class] option", has_text="Community park").count() == 1
    assert planner.problems == []


@pytest.mark.parametrize("viewport", [(1024, 700), (1280, 800), (1920, 1080)])
def test_the_editor_and_its_form_cover_no_other_control(planner, viewport):
    page = planner.page
    page.set_viewport_size({"width": viewport[0], "height": viewport[1]})
    frame_the_park(page)
    enter_edit_mode(page)
    draw_park(page)
    page.wait_for_timeout(300)
    assert page.evaluate(_COLLISIONS) == []


def test_a_point_is_drawn_then_chosen_again_on_the_map_and_moved(planner, live_server):
    page = planner.page
    frame_the_park(page)
    enter_edit_mode(page, "facilities")
    page.click("[data-action=draw-point]")
    page.mouse.click(*screen_point(page, 32.9715, 107.7440))
    form = page.locator(".lc-editor-form")
    form.wait_for()
    form.locator("input[name=name]").fill("公厕二号")
    form.locator("select[name=kind]").select_option("public_toilet")
    save(page)
    fid = page.evaluate("window.lianchuangMap.editor.state.fid")
    stored = requests.get(f"{live_server}/ogc/collections/facilities/items/{fid}", timeout=10)
    assert stored.json()["geometry"]["type"] == "Point"
    assert stored.json()["geometry"]["coordinates"] == pytest.approx([107.744, 32.9715],
                                                                     abs=2e-5)
    # Cancel, then choose it again on the map (a click on the layer's marker).
    form.locator("button", has_text="取消").click()
    wait_until_ready(page)
    page.mouse.click(*screen_point(page, 32.9715, 107.7440))
    page.locator(".lc-editor-form strong", has_text=fid).wait_for()
    # In edit mode a click chooses the feature: its card closes at once (Leaflet's fade-out
    # keeps the element 200 ms).
    page.locator(".leaflet-popup").wait_for(state="detached", timeout=1000)
    assert page.locator(".lc-editor-form input[name=name]").input_value() == "公厕二号"
    assert planner.problems == []
