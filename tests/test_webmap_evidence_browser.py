"""Evidence photos in a project card's timeline, in headless Chromium over real HTTP: the
thumbnail of each event's photo, the full photo over the page on a click, and the acceptance
(验收) photo shown large under its caption.

As in test_webmap_browser, every test fails on a console error, a page error, a dialog or a
request to any host but the service's own.
"""

from __future__ import annotations

import io

import pytest

from layers.tracking.accounts import create_user, issue_token
from tests.images import image_bytes
from tests.test_webmap_browser import click_feature

pytest_plugins = ["tests.factories", "tests.test_webmap_browser"]  # open_map

#: The photo's size: its thumbnail is 320 × 256.
PHOTO_SIZE = (1000, 800)
LOADED = "img => img.complete && img.naturalWidth > 0"


@pytest.fixture
def attach_photo(city, clean_db, client, tmp_path, monkeypatch):
    """Moves a project of ``city`` to *status* with a real JPEG as its evidence; returns the
    photo's id."""
    monkeypatch.setenv("LIANCHUANG_UPLOADS", str(tmp_path))
    with clean_db.begin() as conn:
        create_user(conn, "admin", "管理员", "admin")
        auth = {"Authorization": f"Bearer {issue_token(conn, 'admin')}"}

    def attach_photo(code: str, status: str) -> str:
        upload = client.post("/api/photos", headers=auth, data={
            "photo": (io.BytesIO(image_bytes("JPEG", PHOTO_SIZE)), "现场.jpg", "image/jpeg")})
        photo_id = upload.get_json()["id"]
        changed = client.patch(f"/api/projects/{city[code]}", headers={**auth, "If-Match": '"1"'},
                               json={"status": status, "photo_id": photo_id})
        assert changed.status_code == 200, changed.get_json()
        return photo_id

    return attach_photo


def open_history(page, layer: str, index: int, code: str):
    """Click a feature, open the history of its project *code*; return the newest event."""
    click_feature(page, layer, index)
    card = page.locator(".leaflet-popup-content .lc-card", has_text=code)
    card.locator(".lc-history summary").click()
    newest = card.locator(".lc-timeline .lc-event").first
    newest.wait_for()
    return newest


def test_a_status_changes_photo_shows_as_a_thumbnail_in_the_timeline(open_map, attach_photo):
    photo_id = attach_photo("DL-001", "completed")
    browsed = open_map()

    newest = open_history(browsed.page, "road_segments", 0, "DL-001")  # r1

    thumb = newest.locator("img.lc-thumb")
    thumb.wait_for()
    browsed.page.wait_for_function(LOADED, arg=thumb.element_handle())
    assert thumb.get_attribute("src") == f"/api/photos/{photo_id}?size=thumb"
    assert thumb.get_attribute("alt") == "佐证照片"
    assert thumb.evaluate("img => img.naturalWidth") == 320
    assert browsed.problems == []


def test_clicking_the_thumbnail_shows_the_full_photo_until_escape(open_map, attach_photo):
    photo_id = attach_photo("DL-001", "completed")
    browsed = open_map()
    page = browsed.page
    thumb = open_history(page, "road_segments", 0, "DL-001").locator("img.lc-thumb")
    page.wait_for_function(LOADED, arg=thumb.element_handle())

    thumb.click()

    full = page.locator(".lc-lightbox img.lc-lightbox-image")
    full.wait_for()
    page.wait_for_function(LOADED, arg=full.element_handle())
    assert full.get_attribute("src") == f"/api/photos/{photo_id}"
    assert (full.evaluate("img => img.naturalWidth")
            > thumb.evaluate("img => img.naturalWidth"))
    assert full.bounding_box()["width"] > thumb.bounding_box()["width"]
    page.keyboard.press("Escape")
    assert page.locator(".lc-lightbox").count() == 0
    assert page.locator(".leaflet-popup-content .lc-card").count() > 0  # the card stays open
    assert browsed.problems == []


def test_the_acceptance_photo_is_shown_large_under_its_caption(open_map, attach_photo):
    attach_photo("YL-001", "accepted")  # completed → 验收, on the park p1
    browsed = open_map()

    newest = open_history(browsed.page, "parks", 0, "YL-001")

    evidence = newest.locator(".lc-evidence-acceptance")
    assert evidence.locator("figcaption").inner_text() == "验收照片"
    thumb = evidence.locator("img.lc-thumb")
    browsed.page.wait_for_function(LOADED, arg=thumb.element_handle())
    assert thumb.get_attribute("alt") == "验收照片"
    assert thumb.bounding_box()["width"] > 200  # an ordinary event's thumbnail: 120 px at most
    assert browsed.problems == []


def test_in_full_screen_the_full_photo_shows_inside_the_map(open_map, attach_photo):
    attach_photo("DL-001", "completed")
    browsed = open_map()
    page = browsed.page
    page.click(".leaflet-control-zoom-fullscreen")
    page.wait_for_function("() => document.fullscreenElement !== null")
    thumb = open_history(page, "road_segments", 0, "DL-001").locator("img.lc-thumb")
    page.wait_for_function(LOADED, arg=thumb.element_handle())

    thumb.click()

    page.locator(".lc-lightbox").wait_for()
    # Only the full-screen element is drawn: the photo must be inside it.
    assert page.evaluate("document.fullscreenElement.contains("
                         "document.querySelector('.lc-lightbox'))")
    page.click(".lc-lightbox-close")
    assert page.locator(".lc-lightbox").count() == 0
    assert browsed.problems == []
