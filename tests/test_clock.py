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

