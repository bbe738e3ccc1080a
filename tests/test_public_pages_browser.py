"""The public's pages in headless Chromium at a phone's size (390×844), over real HTTP.

A citizen files a report with the phone's position and a photo (shrunk on the phone), keeps
the tracking code and follows it on /track; a second report over the limit shows the
server's message and keeps what was typed; a closed case is rated from /track; both pages
work in English, the place tapped on the map (no basemap: a plain background and a note).
As in test_webmap_browser, a console error, a page error, a dialog or a request to another
host fails a test.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from PIL import Image

from api.app import create_app
from layers.cases.intake import file_public_report
from layers.storage.models import attachments, reports
from tests.images import PNG, image_bytes
from tests.live_server import served
from tests.test_cases import LAT, LON, at, people, photo, step  # noqa: F401 (fixtures)
from tests.test_webmap_browser import Browsed, _watch

pytest_plugins = ["tests.factories"]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
#: Where the phone says it is: a street of the county town.
HERE = {"longitude": 107.7701, "latitude": 32.9862}
REPORT_READY = "body[data-report-state=ready]"
SENT = "body[data-report-state=sent]"
SHOWN = "body[data-track-state=shown]"
#: Chromium reports an HTTP error answer as a console error; the page shows the message.
HTTP_ERROR = "Failed to load resource: the server responded with a status of "


@pytest.fixture
def uploads(tmp_path, monkeypatch):
    monkeypatch.setenv("LIANCHUANG_UPLOADS", str(tmp_path / "uploads"))
    return tmp_path / "uploads"


@pytest.fixture
def open_page(chromium, live_server):
    """Opens a path of the live server in a fresh phone-sized context (touch, zh-CN unless
    *locale*), with the phone's position shared when *here* is given."""
    contexts = []

    def open_page(path: str, *, locale: str = "zh-CN", here: dict | None = None,
                  viewport: dict = PHONE) -> Browsed:
        options = {"locale": locale, "viewport": viewport,
                   "has_touch": viewport is PHONE, "is_mobile": viewport is PHONE}
        if here:
            options.update(geolocation=here, permissions=["geolocation"])
        context = chromium.new_context(**options)
        contexts.append(context)
        browsed = Browsed(context.new_page())
        _watch(browsed)
        browsed.page.goto(live_server + path)
        return browsed

    yield open_page
    for context in contexts:
        context.close()


def fill_report(page, *, search: str = "垃圾", hit: str = "垃圾堆积",
                description: str = "河堤边垃圾堆积") -> None:
    """Choose a category by searching (the hit saying *hit*), describe the problem."""
    page.wait_for_selector(REPORT_READY)
    page.fill("#pb-search", search)
    page.locator(".pb-hit", has_text=hit).first.click()
    page.fill("#pb-description", description)


def send(page) -> None:
    page.click(".pb-send")


def test_a_citizen_reports_from_a_phone_and_follows_the_code(open_page, clean_db, uploads,
                                                             tmp_path):
    big = tmp_path / "street.jpg"
    big.write_bytes(image_bytes("JPEG", (3000, 2000)))
    browsed = open_page("/report", here=HERE)
    page = browsed.page
    fill_report(page)
    page.click(".pb-locate")
    page.wait_for_selector(".pb-place.pb-chosen")
    page.set_input_files("#pb-photo", str(big))
    page.wait_for_selector(".pb-photo:not([hidden])")
    page.fill("#pb-phone", "138 0000 0000")
    send(page)
    page.wait_for_selector(SENT)

    code = page.inner_text(".pb-code")
    assert len(code) == 10 and page.is_visible(".pb-keep")
    with clean_db.connect() as conn:
        row = conn.execute(sa.select(
            reports.c.category, reports.c.reporter_contact, reports.c.intake_device_hash,
            reports.c.photo_id, sa.func.ST_X(reports.c.geom).label("lon"),
            sa.func.ST_Y(reports.c.geom).label("lat"))).one()
        stored = conn.execute(sa.select(attachments.c.content_type)
                              .where(attachments.c.id == row.photo_id)).scalar_one()
    assert (row.category, row.reporter_contact) == ("garbage", "138 0000 0000")
    assert row.intake_device_hash is not None  # the page's own id went with it
    assert (round(row.lon, 4), round(row.lat, 4)) == (HERE["longitude"], HERE["latitude"])
    assert stored == "image/jpeg"
    assert Image.open(uploads / f"{row.photo_id}.jpg").size == (1600, 1067)  # shrunk

    page.click(".pb-track-link")
    page.wait_for_selector(SHOWN)
    assert page.inner_text(".pb-badge") == "已上报"
    assert page.input_value(".pb-code-input") == code
    assert page.locator(".pb-steps li").count() == 1
    assert page.is_hidden(".pb-rate") and page.is_hidden(".pb-fact-unit")
    assert browsed.problems == []


def test_a_report_over_the_limit_shows_the_message_and_keeps_the_form(open_page, clean_db,
                                                                      monkeypatch):
    monkeypatch.setenv("LIANCHUANG_PUBLIC_REPORTS", "1/5")
    browsed = open_page("/report", here=HERE)
    page = browsed.page
    fill_report(page)
    page.click(".pb-locate")
    page.wait_for_selector(".pb-place.pb-chosen")
    send(page)
    page.wait_for_selector(SENT)
    page.click(".pb-again")
    fill_report(page, search="井盖", hit="污水井盖", description="井盖缺失，夜里很危险")
    page.click(".pb-locate")
    page.wait_for_selector(".pb-place.pb-chosen")
    send(page)
    page.wait_for_selector(".pb-error:not([hidden])")

    message = page.inner_text(".pb-error")
    assert "上报次数已达上限" in message and "60 分钟" in message
    assert "this address has filed 1 reports in the last hour" in message  # the server's
    assert page.input_value("#pb-description") == "井盖缺失，夜里很危险"
    assert page.input_value("#pb-category") == "sewer_manhole"
    assert page.is_visible(".pb-form") and page.is_enabled(".pb-send")
    with clean_db.connect() as conn:
        assert conn.scalar(sa.select(sa.func.count()).select_from(reports)) == 1
    assert browsed.problems == [f"console: {HTTP_ERROR}429 (TOO MANY REQUESTS)"]


def test_missing_fields_are_named_next_to_them(open_page, clean_db):
    browsed = open_page("/report")
    page = browsed.page
    page.wait_for_selector(REPORT_READY)
    page.fill("#pb-phone", "call me")
    send(page)

    errors = {box.get_attribute("data-field"): box.locator(".pb-field-error").inner_text()
              for box in page.locator(".pb-field.pb-invalid").all()}
    assert set(errors) == {"category", "description", "place", "phone"}
    assert errors["place"].startswith("请给出位置")
    assert page.input_value("#pb-phone") == "call me"
    with clean_db.connect() as conn:
        assert conn.scalar(sa.select(sa.func.count()).select_from(reports)) == 0
    assert browsed.problems == []


def test_a_refusal_of_the_server_is_shown_beside_the_field_it_names(open_page, clean_db):
    browsed = open_page("/report", here=HERE)
    page = browsed.page
    page.route("**/api/public/reports", lambda route: route.fulfill(
        status=400, content_type="application/json",
        body='{"error": {"status": 400, "code": "bad_request", "message": '
             '"phone must be a phone number (digits, spaces, -, a leading +)"}}'))
    fill_report(page)
    page.click(".pb-locate")
    page.wait_for_selector(".pb-place.pb-chosen")
    page.fill("#pb-phone", "138 0000 0000")
    send(page)
    page.wait_for_selector(".pb-field.pb-invalid")

    assert page.get_attribute(".pb-field.pb-invalid", "data-field") == "phone"
    assert page.inner_text(".pb-invalid .pb-field-error") == (
        "请求被拒绝 (400: phone must be a phone number (digits, spaces, -, a leading +))")
    assert page.input_value("#pb-description") == "河堤边垃圾堆积"
    assert page.input_value("#pb-phone") == "138 0000 0000"
    assert page.is_visible(".pb-form") and page.is_hidden(".pb-done")
    assert browsed.problems == [f"console: {HTTP_ERROR}400 (Bad Request)"]


def test_the_reporter_rates_a_closed_case_on_the_tracking_page(open_page, clean_db, people,
                                                               photo):
    code = file_public_report(
        clean_db, category="garbage", lon=LON, lat=LAT, description="桥头垃圾堆积",
        address=None, phone=None, photo=None, sender="10.0.0.9", device=None)["tracking_code"]
    with clean_db.connect() as conn:
        case = {"id": conn.scalar(sa.select(reports.c.id))}
    step(clean_db, case, people["dispatcher"], "accept", at("2026-11-02", "09:00"))
    step(clean_db, case, people["dispatcher"], "dispatch", at("2026-11-02", "09:05"))
    step(clean_db, case, people["handler"], "handle", at("2026-11-02", "10:00"), photo_id=photo)
    step(clean_db, case, people["supervisor"], "verify", at("2026-11-02", "10:30"),
         photo_id=photo, lon=LON, lat=LAT)
    step(clean_db, case, people["dispatcher"], "close", at("2026-11-02", "11:00"))

    browsed = open_page(f"/track?code={code.lower()}")
    page = browsed.page
    page.wait_for_selector(SHOWN)
    assert page.inner_text(".pb-badge") == "已结案"
    assert page.inner_text(".pb-fact-unit") == "县城市管理局"
    steps = page.locator(".pb-steps li")
    assert steps.nth(1).inner_text().splitlines() == ["立案", "2026/11/02 09:00"]
    assert page.locator(".pb-ratings button").all_inner_texts() == ["满意", "基本满意", "不满意"]
    page.fill("#pb-note", "处理及时")
    page.click(".pb-ratings button[data-rating=fair]")
    page.wait_for_selector("body[data-track-state=rated]")

    assert page.inner_text(".pb-rated") == "您的评价：基本满意。谢谢！"
    assert page.is_hidden(".pb-rate")
    with clean_db.connect() as conn:
        assert conn.scalar(sa.select(reports.c.rating)) == "fair"
    page.reload()  # the rating stays, and is not offered again
    page.wait_for_selector(SHOWN)
    assert page.is_visible(".pb-rated") and page.is_hidden(".pb-rate")
    assert browsed.problems == []


def test_a_refused_report_shows_the_reason_and_no_unit(open_page, clean_db, people):
    code = file_public_report(
        clean_db, category="garbage", lon=LON, lat=LAT, description="门口有点乱",
        address=None, phone=None, photo=None, sender="10.0.0.9", device=None)["tracking_code"]
    with clean_db.connect() as conn:
        case = {"id": conn.scalar(sa.select(reports.c.id))}
    step(clean_db, case, people["dispatcher"], "refuse", at("2026-11-02", "09:00"),
         note="属于小区物业管理范围，已转告物业")

    browsed = open_page(f"/track?code={code}")
    page = browsed.page
    page.wait_for_selector(SHOWN)
    assert page.inner_text(".pb-badge") == "不予立案"
    assert page.inner_text(".pb-reason") == "不予立案，原因：属于小区物业管理范围，已转告物业"
    assert page.is_hidden(".pb-fact-unit") and page.is_hidden(".pb-rate")
    assert browsed.problems == []


def test_the_pages_work_in_english_with_the_place_tapped_on_the_map(open_page, clean_db):
    browsed = open_page("/report?lang=en", locale="en-GB")
    page = browsed.page
    page.wait_for_selector(REPORT_READY)
    assert page.inner_text("h1") == "Report a problem"
    assert page.is_visible(".pb-basemap-note")  # no basemap: a plain background, said so
    page.fill("#pb-search", "manhole")
    assert page.locator(".pb-hit").first.inner_text().startswith(
        "Missing or broken sewer manhole cover")
    page.press("#pb-search", "Enter")  # the first hit, and nothing sent
    assert page.input_value("#pb-category") == "sewer_manhole"
    assert page.is_hidden(".pb-field.pb-invalid")
    page.fill("#pb-description", "The cover is gone")
    page.locator("#pb-map").scroll_into_view_if_needed()
    box = page.locator("#pb-map").bounding_box()
    page.touchscreen.tap(box["x"] + box["width"] / 2 + 40, box["y"] + box["height"] / 2)
    assert page.inner_text(".pb-place").startswith("Chosen on the map: 32.98")
    send(page)
    page.wait_for_selector(SENT)
    assert page.inner_text(".pb-done h2") == "Sent: thank you!"

    page.click(".pb-track-link")
    page.wait_for_selector(SHOWN)
    assert "lang=en" in page.url
    assert page.inner_text(".pb-badge") == "Reported"
    assert page.inner_text(".pb-fact-category") == "Missing or broken sewer manhole cover"
    page.fill(".pb-code-input", "NOSUCHCODE")
    page.click(".pb-lookup button")
    page.wait_for_selector("body[data-track-state=error]")
    assert page.inner_text(".pb-lookup .pb-error").startswith("No report has this code")
    assert browsed.problems == [f"console: {HTTP_ERROR}404 (NOT FOUND)"]


@pytest.fixture
def report_with_osm(chromium, database_url):
    """Opens /report of an app with the OSM basemap, its tile host answered by *tiles*
    (a route handler), so nothing leaves the machine; yields (page, tile requests)."""
    app = create_app({"DATABASE_URL": database_url, "LIANCHUANG_TILES": "osm", "TESTING": True})
    context = chromium.new_context(locale="zh-CN", viewport=PHONE, has_touch=True,
                                   is_mobile=True)
    with served(app) as base:
        def open_report(tiles):
            page, asked = context.new_page(), []

            def answer(route):
                asked.append(route.request.url)
                tiles(route)

            page.route("https://tile.openstreetmap.org/**", answer)
            page.goto(base + "/report")
            page.wait_for_selector(REPORT_READY)
            page.wait_for_timeout(500)  # every tile the page would ask for, it has now
            return page, asked

        try:
            yield open_report
        finally:
            context.close()


def tile_layers(page) -> int:
    return page.evaluate("""() => { let tiles = 0; window.lianchuangReport.map.eachLayer(
        (layer) => { if (layer instanceof L.TileLayer) tiles += 1; }); return tiles; }""")


def test_unreachable_tiles_leave_a_plain_map_that_still_takes_a_tap(report_with_osm, clean_db):
    page, asked = report_with_osm(lambda route: route.abort("connectionrefused"))

    assert 1 <= len(asked) <= 4, asked  # one probe, not a screenful of failures
    assert page.is_visible(".pb-basemap-note") and tile_layers(page) == 0
    assert "pb-plain" in page.get_attribute("#pb-map", "class")
    page.locator("#pb-map").scroll_into_view_if_needed()
    box = page.locator("#pb-map").bounding_box()
    page.touchscreen.tap(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    assert page.inner_text(".pb-place").startswith("地图点选位置：32.98")


def test_reachable_tiles_draw_the_basemap_without_the_note(report_with_osm, clean_db):
    page, asked = report_with_osm(
        lambda route: route.fulfill(status=200, content_type="image/png", body=PNG))

    assert len(asked) > 4 and tile_layers(page) == 1
    assert page.is_hidden(".pb-basemap-note")
    assert "pb-plain" not in page.get_attribute("#pb-map", "class")
