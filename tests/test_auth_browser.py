"""Viewer mode (``LIANCHUANG_READ=viewer``) in headless Chromium: every page sends the browser
to sign in, opens with its data once signed in, a planner's write from the map card carries
the CSRF token (and is refused without it), and signing out ends the session.

As in test_webmap_browser, a console error, a page error, a dialog or a request to another
host fails a test; so does any 401 in the network log.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from api.app import create_app
from layers.exchange.importer import import_paths
from layers.storage.models import projects
from layers.tracking.accounts import create_user, set_password
from tests.conftest import SAMPLE
from tests.live_server import served
from tests.test_webmap_browser import Browsed, _watch
from tests.test_webmap_tracking_browser import open_project_form
from webmap.screenshot import wait_until_ready

pytest_plugins = ["tests.factories"]

PASSWORD = "xixiang-2026-lc"
INSPECTION_READY = "body[data-inspection-state=ready]"


@pytest.fixture
def viewer_server(database_url):
    """The app with LIANCHUANG_READ=viewer over real HTTP; yields its base URL."""
    app = create_app({"DATABASE_URL": database_url, "LIANCHUANG_TILES": "none",
                      "LIANCHUANG_READ": "viewer", "TESTING": True})
    with served(app) as base:
        yield base


@pytest.fixture
def people(clean_db) -> None:
    """A viewer and a planner of 交通局, each signing in with PASSWORD."""
    with clean_db.begin() as conn:
        create_user(conn, "zhou", "周主任", "viewer")
        create_user(conn, "wang", "交通局王工", "planner", "交通局")
        for name in ("zhou", "wang"):
            set_password(conn, name, PASSWORD)


@pytest.fixture
def sample(clean_db, people):
    """The Xixiang sample (layers and ledger), which every page has something to show of."""
    import_paths(clean_db, [SAMPLE])
    return clean_db


@pytest.fixture
def browse(chromium, viewer_server):
    """A fresh browser context on the viewer-mode server; 401 answers count as problems."""
    contexts = []

    def browse() -> Browsed:
        context = chromium.new_context(locale="zh-CN", viewport={"width": 1280, "height": 800})
        contexts.append(context)
        browsed = Browsed(context.new_page())
        _watch(browsed)
        browsed.page.on("response", lambda r: r.status == 401 and browsed.problems.append(
            f"401 from {r.url}"))
        return browsed

    yield browse
    for context in contexts:
        context.close()


def sign_in(page, username: str) -> None:
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click(".si-form button[type=submit]")


def _lands_on_sign_in_then_back(page, base: str, path: str, username: str = "zhou") -> None:
    page.goto(base + path)
    assert urlsplit(page.url).path == "/signin"
    assert page.locator(".si-form input[name=password]").count() == 1
    sign_in(page, username)
    page.wait_for_url(base + path)


def _map_ready(page) -> None:
    wait_until_ready(page, timeout_ms=30_000)
    shown = re.fullmatch(r"本视图可见 (\d+) 个要素", page.inner_text(".lc-status"))
    assert shown and int(shown.group(1)) > 0


def _green_ready(page) -> None:
    wait_until_ready(page, timeout_ms=60_000)
    assert page.locator(".lcg-panel > .lcg-indicators tbody tr").count() > 0


def _inspection_ready(page) -> None:
    page.wait_for_selector(INSPECTION_READY, timeout=30_000)
    assert "周主任" in page.inner_text(".lc-signed-in")  # the session's user, no token pasted


def _dashboard_ready(page) -> None:
    assert int(page.inner_text("#tile-projects .db-tile-value")) > 0


def _docs_ready(page) -> None:
    assert page.locator("code", has_text="/api/projects").count() > 0


@pytest.mark.parametrize("path, ready", [
    ("/", _map_ready), ("/green", _green_ready), ("/inspection", _inspection_ready),
    ("/dashboard", _dashboard_ready), ("/api/docs", _docs_ready)])
def test_a_page_opens_with_its_data_once_signed_in(browse, viewer_server, sample, path, ready):
    browsed = browse()

    _lands_on_sign_in_then_back(browsed.page, viewer_server, path)

    ready(browsed.page)
    assert browsed.problems == []


def test_the_sign_in_page_says_when_the_password_is_wrong(browse, viewer_server, people):
    browsed = browse()
    page = browsed.page
    page.goto(viewer_server + "/dashboard")
    page.fill("input[name=username]", "zhou")
    page.fill("input[name=password]", "not-the-password")

    page.click(".si-form button[type=submit]")

    assert page.inner_text(".si-error") == "用户名或密码不正确"
    assert page.input_value("input[name=username]") == "zhou"
    # The form answers 401 itself; nothing else may go wrong.
    assert [p for p in browsed.problems if "401" not in p] == []


def test_a_planner_changes_a_status_from_the_card_with_the_csrf_token(browse, viewer_server,
                                                                      city, people, clean_db):
    browsed = browse()
    page = browsed.page
    _lands_on_sign_in_then_back(page, viewer_server, "/", "wang")
    wait_until_ready(page)
    assert page.inner_text(".lc-user").startswith("交通局王工")  # recognised by the session
    form = open_project_form(page, "road_segments", 1)  # r2: DL-002, 交通局, 规划
    form.locator("select[name=status]").select_option("approved")

    form.locator("button[type=submit]").click()

    page.locator(".leaflet-popup-content .lc-project-form .lc-form-msg",
                 has_text="已保存").wait_for()
    with clean_db.connect() as conn:
        assert conn.scalar(sa.select(projects.c.status)
                           .where(projects.c.id == city["DL-002"])) == "approved"
    assert browsed.problems == []
    status, message = page.evaluate("""id => fetch('/api/projects/' + id, {
        method: 'PATCH', headers: {'Content-Type': 'application/json', 'If-Match': '"2"'},
        body: JSON.stringify({progress: 10})})
      .then(r => r.json().then(b => [r.status, b.error.message]))""", city["DL-002"])
    assert status == 403 and "X-CSRF-Token" in message


def test_signing_out_from_the_map_ends_the_session(browse, viewer_server, city, people):
    browsed = browse()
    page = browsed.page
    _lands_on_sign_in_then_back(page, viewer_server, "/?lang=en")
    wait_until_ready(page)

    page.click(".lc-user button")

    page.wait_for_url(viewer_server + "/signin")
    page.goto(viewer_server + "/")
    assert urlsplit(page.url).path == "/signin"
    assert browsed.problems == []


def test_the_sign_in_page_looks_right(browse, viewer_server, people, tmp_path):
    browsed = browse()
    page = browsed.page
    page.goto(viewer_server + "/green")
    page.fill("input[name=username]", "zhou")

    page.screenshot(path=str(tmp_path / "signin.png"))

    assert page.title() == "联创 · 登录"
    card = page.locator(".si-card").bounding_box()
    assert abs(card["x"] - (1280 - card["x"] - card["width"])) < 2  # centred
    assert page.locator("label", has_text="用户名").count() == 1
    assert page.locator("a", has_text="English").get_attribute("href") == (
        "/signin?lang=en&next=/green")
    assert browsed.problems == []
