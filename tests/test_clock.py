"""One clock: today and overdue in the county's time zone, not the server's."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from layers import clock
from layers.tracking.projects import query_projects

pytest_plugins = ["tests.factories"]

#: 23:30 UTC on 30 November is 07:30 on 1 December in Xixiang.
LATE_EVENING_UTC = dt.datetime(2026, 11, 30, 23, 30, tzinfo=dt.timezone.utc)


def test_at_2330_utc_it_is_already_the_next_day_in_xixiang(monkeypatch):
    monkeypatch.delenv("LIANCHUANG_TZ", raising=False)
    with time_machine.travel(LATE_EVENING_UTC, tick=False):
        assert clock.today() == dt.date(2026, 12, 1)


def test_the_zone_is_a_setting(monkeypatch):
    monkeypatch.setenv("LIANCHUANG_TZ", "UTC")
    with time_machine.travel(LATE_EVENING_UTC, tick=False):
        assert clock.today() == dt.date(2026, 11, 30)


def test_a_zone_that_does_not_exist_is_named_in_the_error(monkeypatch):
    monkeypatch.setenv("LIANCHUANG_TZ", "Asia/Xixiang")
    with pytest.raises(clock.ClockSettingInvalid, match="Asia/Xixiang"):
        clock.today()


def test_a_project_due_on_the_utc_day_is_overdue_in_xixiang(monkeypatch, clean_db, new_project):
    monkeypatch.delenv("LIANCHUANG_TZ", raising=False)
    new_project("DL-009", "城南路改造", status="in_progress", due_date=dt.date(2026, 11, 30))

    with time_machine.travel(LATE_EVENING_UTC, tick=False):
        listing = query_projects(clean_db)

    assert listing["projects"][0]["overdue"] is True



# The API decides "today" by the same clock: a project due on 30 November is overdue at
# 23:30 UTC (07:30 on 1 December in Xixiang) in the feed, on the dashboard, and in the
# name of the ledger export, though the server's own zone still says 30 November.

@pytest.fixture
def due_on_the_utc_day(monkeypatch, clean_db, new_project):
    monkeypatch.delenv("LIANCHUANG_TZ", raising=False)
    monkeypatch.setenv("TZ", "UTC")
    return new_project("DL-009", "城南路改造", status="in_progress", due_date=dt.date(2026, 11, 30))


def test_the_feed_lists_the_project_overdue_from_the_county_midnight(due_on_the_utc_day, client):
    with time_machine.travel(LATE_EVENING_UTC, tick=False):
        feed = client.get("/feeds/changes.atom").get_data(as_text=True)
    assert "城南路改造" in feed and "逾期" in feed
    # It became overdue at midnight in Xixiang, 16:00 UTC on 30 November.
    assert "<updated>2026-12-01T00:00:00+08:00</updated>" in feed


def test_the_dashboard_counts_it_overdue(due_on_the_utc_day, client):
    with time_machine.travel(LATE_EVENING_UTC, tick=False):
        page = client.get("/dashboard").get_data(as_text=True)
    with time_machine.travel(LATE_EVENING_UTC - dt.timedelta(hours=8), tick=False):
        earlier = client.get("/dashboard").get_data(as_text=True)
    assert "DL-009" in page and "DL-009" not in earlier


def test_the_ledger_export_is_named_for_the_county_day(due_on_the_utc_day, client):
    with time_machine.travel(LATE_EVENING_UTC, tick=False):
        answer = client.get("/api/projects/export?format=csv")
    assert "lianchuang-ledger-2026-12-01.csv" in answer.headers["Content-Disposition"]
