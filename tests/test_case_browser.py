"""A case walked through every step on the map, in headless Chromium over real HTTP, by the
people who take them, each signed in on /signin in a browser of their own: an inspector
reports it, the dispatcher files and dispatches it, the handling unit reports it handled
with a photo, a supervisor on site sends it back once and then verifies it, the dispatcher
closes it.  Dispatched at 17:00 on 30 September 2026, handled at 09:00 on 8 October: the
National Day holidays in between do not count, so the card shows 1.5 working hours used of
2, on time.  The server's clock is travelled (the live server runs in this process); the
county's calendar is the default (08:30-12:00, 14:30-18:00) with chinese-calendar's 2026
holidays, as in test_cases.

Also: a handler who is a supervisor too is refused (403) verifying their own case, and
the card says why; a step that is not next is refused (409) with the steps allowed now.
As in test_webmap_browser, a console error, a page error, a dialog or a request to any
host but the service's own fails a test (the refusals' own 403 and 409 lines aside).
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
import time_machine

from api.app import create_app
from layers.cases.cases import take_step
from layers.tracking.accounts import User, create_user, set_password
from layers.tracking.attachments import save_photo
from layers.tracking.problem_reports import file_report, get_report
from tests.images import PNG, image_bytes
from tests.test_webmap_browser import Browsed, _watch, wait_until_still
from tests.test_webmap_tracking_browser import click_at
from webmap.screenshot import wait_until_ready

pytest_plugins = ["tests.factories"]

XIXIANG = ZoneInfo("Asia/Shanghai")
PASSWORD = "xixiang-2026-lc"
#: Inside the built-up area of ``city``, outside any water-source zone: garbage there goes to
#: 县城市管理局 by the category's rule.
LAT, LON = 32.984, 107.728
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


def at(day: str, hhmm: str) -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T{hhmm}").replace(tzinfo=XIXIANG)


@pytest.fixture
def app(database_url, tmp_path, monkeypatch):
    """The app, its sign-ins lasting past the travelled days (a cookie set "on 30 September"
    must not have expired by the browser's own date), its photos in tmp_path."""
    monkeypatch.setenv("LIANCHUANG_UPLOADS", str(tmp_path / "uploads"))
    monkeypatch.delenv("LIANCHUANG_TZ", raising=False)
    monkeypatch.delenv("LIANCHUANG_CALENDAR", raising=False)
    monkeypatch.delenv("LIANCHUANG_WORK_HOURS", raising=False)
    return create_app({"DATABASE_URL": database_url, "LIANCHUANG_TILES": "none",
                       "TESTING": True, "LIANCHUANG_SESSION_HOURS": str(24 * 800)})


@pytest.fixture
def people(city, clean_db) -> dict[str, User]:
    """Who takes the steps, each signing in with PASSWORD, by part."""
    staff = {
        "inspector": ("li", "李督查", None, ()),
        "dispatcher": ("zhang", "张受理", None, ("dispatcher",)),
        "handler": ("wang", "王处置", "县城市管理局", ("handler",)),
        "supervisor": ("chen", "陈监督", None, ("supervisor",)),
        "handler_supervisor": ("liu", "刘两职", "县城市管理局", ("handler", "supervisor")),
    }
    found = {}
    with clean_db.begin() as conn:
        for part, (username, display, department, duties) in staff.items():
            found[part] = create_user(conn, username, display, "inspector", department,
                                      duties=duties)
            set_password(conn, username, PASSWORD)
    return found


@pytest.fixture
def photo(tmp_path) -> str:
    """A photo big enough for its thumbnail to show what it is."""
    path = tmp_path / "after.jpg"
    path.write_bytes(image_bytes("JPEG", (640, 480)))
    return str(path)


@pytest.fixture
def shots(tmp_path) -> Path:
    """Where the card's screenshots go: CASE_SCREENSHOTS (to look at them), else tmp_path."""
    folder = Path(os.environ.get("CASE_SCREENSHOTS") or tmp_path / "shots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def signed_in(chromium, live_server):
    """A browser of its own for one person, signed in on /signin, on the map."""
    contexts = []

    def signed_in(user: User, viewport=DESKTOP, path: str = "/", **context_options) -> Browsed:
        context = chromium.new_context(locale="zh-CN", timezone_id="Asia/Shanghai",
                                       viewport=viewport, **context_options)
        contexts.append(context)
        browsed = Browsed(context.new_page())
        _watch(browsed)
        page = browsed.page
        page.goto(live_server + "/signin?" + urlencode({"next": path}))
        page.fill("input[name=username]", user.username)
        page.fill("input[name=password]", PASSWORD)
        page.click(".si-form button[type=submit]")
        page.wait_for_url(live_server + path)
        wait_until_ready(page, timeout_ms=15_000)
        page.locator(".lc-user").wait_for()
        return browsed

    yield signed_in
    for context in contexts:
        context.close()


def open_case(page, case_id: int = 1):
    """The case's card, opened afresh from its marker and loaded (with its ETag)."""
    page.evaluate("window.lianchuangMap.map.closePopup()")
    page.evaluate(f"window.lianchuangMap.reportMarkers[{case_id}].openPopup()")
    wait_until_still(page)
    card = page.locator(f".leaflet-popup-content .lc-case[data-case-id='{case_id}']")
    card.locator("xpath=self::*[@data-loaded='yes']").wait_for()
    return card


def take(card, action: str, *, note: str | None = None, photo: str | None = None,
         located: bool = False, before_confirming=None):
    """Open the step's form on *card*, fill it and confirm it."""
    card.locator(f".lc-step-button[data-action={action}]").click()
    form = card.locator(f".lc-step-form[data-action={action}]")
    form.wait_for()
    if note is not None:
        form.locator("textarea[name=note]").fill(note)
    if photo is not None:
        form.locator("input[name=photo]").set_input_files(photo)
    if located:
        form.locator(".lc-position[data-state=found]").wait_for()
    if before_confirming:
        before_confirming()
    form.locator("button[type=submit]").click()


def after(card, status: str):
    """Wait until *card* is drawn again at *status*; return its step message."""
    card.locator(f"xpath=self::*[@data-status='{status}'][@data-loaded='yes']").wait_for()
    return card.locator(".lc-step-msg")


def history_actions(card) -> list[str]:
    events = card.locator(".lc-case-history .lc-event")
    return [events.nth(i).get_attribute("data-action") for i in range(events.count())]


def shot(page, folder: Path, name: str) -> None:
    """The page as it is, and the card's popup scrolled down to the end of its history."""
    page.screenshot(path=str(folder / f"{name}-page.png"))
    card = page.locator(".leaflet-popup-content .lc-case")
    scrolled = card.evaluate("(card) => { const was = card.scrollTop;"
                             " card.scrollTop = card.scrollHeight; return was; }")
    page.locator(".leaflet-popup").screenshot(path=str(folder / f"{name}-history.png"))
    card.evaluate(f"(card) => {{ card.scrollTop = {scrolled}; }}")


def refusals_only(problems: list[str], *codes: int) -> list[str]:
    """The problems but Chromium's own lines about the refusals the test asked for."""
    return [p for p in problems if not any(f"status of {code}" in p for code in codes)]


def test_a_case_walks_every_step_with_four_people_over_national_day(
        signed_in, people, clean_db, photo, shots):
    with time_machine.travel(at("2026-09-30", "16:00"), tick=False) as clock:
        # The inspector reports it on the map.
        inspector = signed_in(people["inspector"])
        page = inspector.page
        page.click(".lc-report-button")
        click_at(page, LAT, LON)
        form = page.locator(".lc-report-form")
        form.locator("select[name=service_code] option[value=garbage]").wait_for(
            state="attached")
        form.locator("select[name=service_code]").select_option("garbage")
        form.locator("textarea[name=description]").fill("桥头垃圾堆积")
        form.locator("button[type=submit]").click()
        page.locator(".lc-report-done").wait_for()
        page.locator(".lc-report-mark[data-report-id='1']").wait_for()

        dispatcher = signed_in(people["dispatcher"])
        card = open_case(dispatcher.page)
        assert card.locator(".lc-case-head .lc-case-status").inner_text() == "已上报"
        assert "垃圾堆积" in card.locator(".lc-popup-title").inner_text()
        card.locator(".lc-case-category", has_text="市容环境 › 积存垃圾渣土").wait_for()
        assert "县城市管理局" in card.inner_text()
        assert card.locator(".lc-clock").get_attribute("data-state") == "none"
        assert "无时限" in card.locator(".lc-clock").inner_text()
        assert [b.get_attribute("data-action") for b in
                card.locator(".lc-step-button").all()] == ["accept", "refuse", "duplicate"]

        # No step can be skipped: closing a case just reported is a 409 naming the next.
        refused = dispatcher.page.evaluate("""async () => {
          const csrf = document.cookie.split("; ").find((c) => c.startsWith("lianchuang_csrf="))
            .split("=")[1];
          const answer = await fetch("/api/cases/1/steps", {method: "POST",
            headers: {"Content-Type": "application/json", "If-Match": '"1"',
                      "X-CSRF-Token": decodeURIComponent(csrf)},
            body: JSON.stringify({action: "close"})});
          return {status: answer.status, body: await answer.json()};
        }""")
        assert refused["status"] == 409
        assert refused["body"]["allowed_steps"] == ["accept", "refuse", "duplicate"]

        take(card, "accept")
        assert "已办理：立案" in after(card, "filed").inner_text()
        clock.move_to(at("2026-09-30", "17:00"))
        take(card, "dispatch")
        after(card, "dispatched")
        assert card.locator(".lc-clock").get_attribute("data-state") == "running"
        assert "2小时" in card.locator(".lc-clock").inner_text()  # garbage: 2 working hours
        shot(dispatcher.page, shots, "1-dispatched")

        # 8 October, 09:00: one working hour on 30 September and half an hour today.
        clock.move_to(at("2026-10-08", "09:00"))
        handler = signed_in(people["handler"], permissions=["geolocation"],
                            geolocation={"latitude": LAT, "longitude": LON})
        card = open_case(handler.page)
        take(card, "handle", photo=photo, note="已清运")
        after(card, "handled")
        clock_block = card.locator(".lc-clock")
        assert clock_block.get_attribute("data-used-min") == "90"
        assert clock_block.locator(".lc-clock-used").inner_text() == "1小时30分钟"
        assert clock_block.get_attribute("data-judgement") == "on_time"
        assert card.locator(".lc-case-head .lc-judgement").inner_text() == "按期"
        assert card.locator(".lc-case-history .lc-event[data-action=handle] img.lc-thumb"
                            ).count() == 1
        shot(handler.page, shots, "2-handled-after-the-holiday")
        # Verifying is not the handler's: the card names who takes the next steps.
        assert card.locator(".lc-step-button").count() == 0
        assert "现在没有您可办理的步骤；可办理的是：核查通过（监督员）、返工（监督员）" in \
            card.locator(".lc-not-yours").inner_text()
        # Another supervisor (刘, of the same unit but not this case's handler) opens it too.
        other = signed_in(people["handler_supervisor"], permissions=["geolocation"],
                          geolocation={"latitude": LAT, "longitude": LON})
        other_card = open_case(other.page)
        assert [b.get_attribute("data-action") for b in
                other_card.locator(".lc-step-button").all()] == ["verify", "rework"]

        # The supervisor, on site with a phone, sends it back once.
        clock.move_to(at("2026-10-08", "10:00"))
        supervisor = signed_in(people["supervisor"], viewport=PHONE, permissions=["geolocation"],
                               geolocation={"latitude": LAT, "longitude": LON})
        card = open_case(supervisor.page)
        take(card, "rework", note="仍有残留垃圾", located=True)
        after(card, "dispatched")
        assert card.locator(".lc-facts", has_text="返工").count() >= 1
        shot(supervisor.page, shots, "3-rework-phone")

        # The dispatcher's card is from before: a step sent from it is refused as stale, and
        # the card is drawn again as the case is now.
        card = dispatcher.page.locator(".leaflet-popup-content .lc-case")
        take(card, "escalate", note="请尽快处置")
        message = card.locator(".lc-step-msg.lc-error")
        message.wait_for()
        assert "该案件刚被他人办理" in message.inner_text()
        assert card.get_attribute("data-version") == str(get_report(clean_db, 1)["version"])
        assert history_actions(card)[0] == "rework"

        # The other supervisor's card still shows the case as handled: sending it back from
        # there is not a step from where the case is now (409, with the steps allowed), and
        # the card is drawn again as the case is now.
        take(other_card, "rework", note="再次退回", located=True)
        message = after(other_card, "dispatched")
        assert message.get_attribute("data-status") == "409"
        assert message.inner_text() == ("被拒绝：案件当前为“处置中”，不能办理“返工”。 当前可办理："
                                        "改派、处置、申请延期、批准延期、驳回延期、挂账、督办")
        shot(other.page, shots, "4-not-a-next-step")

        clock.move_to(at("2026-10-08", "10:20"))
        card = open_case(handler.page)
        take(card, "handle", photo=photo)
        after(card, "handled")
        assert card.locator(".lc-clock").get_attribute("data-used-min") == "110"

        clock.move_to(at("2026-10-08", "10:40"))
        card = open_case(supervisor.page)
        take(card, "verify", photo=photo, located=True,
             before_confirming=lambda: shot(supervisor.page, shots, "5-verify-form-phone"))
        after(card, "verified")
        shot(supervisor.page, shots, "5-verified-phone")

        clock.move_to(at("2026-10-08", "11:00"))
        card = open_case(dispatcher.page)
        take(card, "close")
        after(card, "closed")
        assert history_actions(card) == ["close", "verify", "handle", "rework", "handle",
                                         "dispatch", "accept", "report"]
        text = card.locator(".lc-case-history").inner_text()
        for who in ("张受理", "王处置（县城市管理局）", "陈监督", "李督查"):
            assert who in text
        # The case is where the inspector clicked, to a pixel; the supervisor stood at LAT, LON.
        assert int(re.search(r"现场核查，距案件 (\d+) 米", text).group(1)) < 20
        assert card.locator(".lc-judgement").first.inner_text() == "按期"
        shot(dispatcher.page, shots, "6-closed")

    for browsed in (inspector, dispatcher, handler, supervisor):
        assert refusals_only(browsed.problems, 409) == []


@pytest.fixture
def dispatched_case(people, clean_db) -> int:
    """A garbage case at the point, filed and dispatched to 县城市管理局 just now."""
    case = file_report(clean_db, None, category="garbage", lon=LON, lat=LAT,
                       description="桥头垃圾堆积")
    for action in ("accept", "dispatch"):
        take_step(clean_db, case["id"], people["dispatcher"], action,
                  version=get_report(clean_db, case["id"])["version"])
    return case["id"]


def test_a_handler_who_supervises_too_cannot_verify_their_own_case(
        signed_in, people, dispatched_case, photo, shots):
    both = signed_in(people["handler_supervisor"], permissions=["geolocation"],
                     geolocation={"latitude": LAT, "longitude": LON})
    card = open_case(both.page, dispatched_case)
    take(card, "handle", photo=photo)
    after(card, "handled")

    take(card, "verify", photo=photo, located=True)

    message = card.locator(".lc-step-msg.lc-refused[data-status='403']")
    message.wait_for()
    assert message.inner_text().startswith("被拒绝：")
    assert "a supervisor other than the handler verifies it" in message.inner_text()
    assert card.get_attribute("data-status") == "handled"
    shot(both.page, shots, "7-own-case-refused")
    assert refusals_only(both.problems, 403) == []


def test_without_a_position_the_on_site_step_says_so_and_is_not_sent(
        signed_in, people, dispatched_case, photo, clean_db):
    upload = save_photo(clean_db, PNG, declared_type="image/png", original_name="after.png",
                        user=None)["id"]
    take_step(clean_db, dispatched_case, people["handler"], "handle", photo_id=upload,
              version=get_report(clean_db, dispatched_case)["version"])
    supervisor = signed_in(people["supervisor"])  # no permission to the position
    card = open_case(supervisor.page, dispatched_case)

    card.locator(".lc-step-button[data-action=verify]").click()

    position = card.locator(".lc-position[data-state=unavailable]")
    position.wait_for()
    assert "无法获取当前位置" in position.inner_text()
    assert position.locator("button", has_text="重新定位").is_visible()
    card.locator(".lc-step-form input[name=photo]").set_input_files(photo)
    card.locator(".lc-step-form button[type=submit]").click()
    assert "尚未获取当前位置" in card.locator(".lc-step-msg").inner_text()
    assert get_report(clean_db, dispatched_case)["status"] == "handled"
    assert supervisor.problems == []


def test_the_card_speaks_english_on_the_english_page(signed_in, people, dispatched_case,
                                                    shots):
    handler = signed_in(people["handler"], path="/?lang=en")
    card = open_case(handler.page, dispatched_case)

    assert card.locator(".lc-popup-layer").inner_text() == f"Case #{dispatched_case}"
    assert card.locator(".lc-popup-title").inner_text() == "Garbage accumulation"
    assert card.locator(".lc-case-head .lc-case-status").inner_text() == "Being handled"
    assert "Time limit (working time)" in card.locator(".lc-clock").inner_text()
    assert card.locator(".lc-clock .lc-facts dd").first.inner_text() == "2 h"
    steps = card.locator(".lc-step-button").all_inner_texts()
    assert steps == ["Report handled", "Request an extension"]  # the handler's own steps
    events = card.locator(".lc-case-history .lc-event .lc-event-kind").all_inner_texts()
    assert events == ["Dispatch", "File", "Reported"]
    shot(handler.page, shots, "8-english")
    assert handler.problems == []


def test_the_unit_asks_for_more_time_and_the_dispatcher_grants_it(
        signed_in, people, dispatched_case):
    handler = signed_in(people["handler"])
    card = open_case(handler.page, dispatched_case)
    assert card.locator(".lc-step-button[data-action=approve_extension]").count() == 0
    card.locator(".lc-step-button[data-action=request_extension]").click()
    form = card.locator(".lc-step-form[data-action=request_extension]")
    form.locator("input[name=minutes]").fill("60")
    form.locator("textarea[name=note]").fill("需调运车辆")
    form.locator("button[type=submit]").click()
    card.locator(".lc-clock-request", has_text="已申请延期 1小时，待受理员审批").wait_for()
    assert card.locator(".lc-step-button[data-action=request_extension]").count() == 0

    dispatcher = signed_in(people["dispatcher"])
    card = open_case(dispatcher.page, dispatched_case)
    take(card, "approve_extension")
    card.locator(".lc-step-msg", has_text="已办理：批准延期").wait_for()

    assert "2小时 + 延期 1小时" in card.locator(".lc-clock").inner_text()
    assert card.locator(".lc-clock-request").count() == 0
    assert handler.problems == [] and dispatcher.problems == []
