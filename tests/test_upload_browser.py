"""The upload page in headless Chromium over real HTTP: a planner signed in on /signin
chooses a GeoJSON of three parks against a live layer of three, sees the dry run's counts
and its diff drawn on the map before anything is written, and commits.  As in
test_webmap_browser, a console error, a page error, a dialog or a request to any host but
the service's own fails the test."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa

from api.app import create_app
from layers.exchange.importer import ImportOptions, import_paths
from layers.tracking.accounts import create_user, set_password
from tests.test_upload import FILE, LIVE
from tests.test_webmap_browser import Browsed, _watch

pytest_plugins = ["tests.factories"]

PASSWORD = "xixiang-2026-lc"


@pytest.fixture
def app(database_url, tmp_path, monkeypatch):
    monkeypatch.setenv("LIANCHUANG_UPLOADS", str(tmp_path / "uploads"))
    return create_app({"DATABASE_URL": database_url, "LIANCHUANG_TILES": "none",
                       "TESTING": True})


@pytest.fixture
def planner(clean_db, tmp_path):
    live = tmp_path / "parks.geojson"
    live.write_bytes(LIVE)
    import_paths(clean_db, [live], ImportOptions(actor="seed"))
    with clean_db.begin() as conn:
        create_user(conn, "wang", "王规划", "planner", "住建局")
        set_password(conn, "wang", PASSWORD)
    return "wang"


def test_a_planner_uploads_sees_the_diff_and_commits(chromium, live_server, planner,
                                                     clean_db, tmp_path):
    context = chromium.new_context(locale="zh-CN", viewport={"width": 1280, "height": 860})
    browsed = Browsed(context.new_page())
    _watch(browsed)
    page = browsed.page
    page.goto(live_server + "/signin?" + urlencode({"next": "/upload"}))
    page.fill("input[name=username]", planner)
    page.fill("input[name=password]", PASSWORD)
    page.click(".si-form button[type=submit]")
    page.wait_for_url(live_server + "/upload")
    assert page.locator("h1").inner_text() == "上传图层"
    upload = tmp_path / "upload" / "parks.geojson"
    upload.parent.mkdir()
    upload.write_bytes(FILE)
    page.set_input_files("#up-file", str(upload))
    page.check("#up-replace")
    page.click("#up-send")
    page.wait_for_selector("body[data-diff-drawn]", timeout=20_000)
    counts = page.locator("#up-counts").inner_text()
    assert "新增 1" in counts and "修改 1" in counts and "删除 1" in counts
    # added, changed (and its dashed before), removed: four shapes on the map
    assert page.locator("#up-map path.leaflet-interactive").count() == 4
    with clean_db.connect() as conn:  # nothing written yet
        assert conn.scalar(sa.text("SELECT count(*) FROM parks WHERE fid = 'P-4'")) == 0
    shots = Path(os.environ.get("UPLOAD_SCREENSHOTS") or tmp_path)
    page.screenshot(path=str(shots / "upload-dry-run.png"), full_page=True)
    page.click("#up-commit")
    page.wait_for_selector("body[data-committed=true]", timeout=20_000)
    with clean_db.connect() as conn:
        assert sorted(conn.scalars(sa.text("SELECT fid FROM parks")).all()) == [
            "P-1", "P-2", "P-4"]
    assert browsed.problems == []
    context.close()
