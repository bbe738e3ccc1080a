"""The working-time clock of cases: answers counted by hand, no database.

Office hours 08:30-12:00 and 14:30-18:00 (420 minutes a day) unless a test says otherwise.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest

from geo.errors import InvalidInput
from layers.cases import working_time
from layers.cases.working_time import WorkingCalendar, load_calendar

XIXIANG = ZoneInfo("Asia/Shanghai")
HOURS = ((dt.time(8, 30), dt.time(12, 0)), (dt.time(14, 30), dt.time(18, 0)))


@pytest.fixture(autouse=True)
def county_settings(monkeypatch):
    """No setting of the machine running the tests leaks in."""
    for name in ("LIANCHUANG_TZ", "LIANCHUANG_CALENDAR", "LIANCHUANG_WORK_HOURS"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def cal() -> WorkingCalendar:
    return WorkingCalendar(periods=HOURS)


def at(year, month, day, hour=0, minute=0) -> dt.datetime:
    """An instant on Xixiang's clock."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=XIXIANG)


# -- weeks and days -----------------------------------------------------------------------

def test_friday_1700_plus_two_working_hours_is_monday_0930(cal):
    # 1 h on Friday 17:00-18:00, 1 h on Monday 08:30-09:30 (27 and 30 November 2026).
    end = cal.add_working_minutes(at(2026, 11, 27, 17), 120)

    assert end == at(2026, 11, 30, 9, 30)
    assert end.tzinfo == XIXIANG
    assert cal.working_minutes(at(2026, 11, 27, 17), at(2026, 11, 30, 9, 30)) == 120


def test_a_working_day_is_the_sum_of_its_periods(cal):
    assert cal.minutes_per_day == 210 + 210
    assert cal.working_minutes(at(2026, 11, 30), at(2026, 12, 1)) == 420


def test_the_lunch_break_is_not_counted(cal):
    # 60 min 11:00-12:00, then 60 min 14:30-15:30.
    assert cal.add_working_minutes(at(2026, 11, 30, 11), 120) == at(2026, 11, 30, 15, 30)
    assert cal.working_minutes(at(2026, 11, 30, 11), at(2026, 11, 30, 15, 30)) == 120
    assert cal.working_minutes(at(2026, 11, 30, 12), at(2026, 11, 30, 14, 30)) == 0


def test_a_start_inside_the_lunch_break_counts_from_1430(cal):
    assert cal.add_working_minutes(at(2026, 11, 30, 12, 30), 30) == at(2026, 11, 30, 15)
    assert cal.working_minutes(at(2026, 11, 30, 12, 30), at(2026, 11, 30, 15)) == 30


def test_a_result_at_a_period_end_is_that_end_not_the_next_start(cal):
    assert cal.add_working_minutes(at(2026, 11, 30, 11), 60) == at(2026, 11, 30, 12)
    assert cal.add_working_minutes(at(2026, 11, 27, 17), 60) == at(2026, 11, 27, 18)


def test_zero_minutes_is_the_start_itself_even_outside_working_time(cal):
    sunday_night = at(2026, 11, 29, 22)
    assert cal.add_working_minutes(sunday_night, 0) == sunday_night
    assert cal.add_working_minutes(at(2026, 11, 30, 10), 0) == at(2026, 11, 30, 10)


def test_an_end_not_after_the_start_is_no_working_time(cal):
    assert cal.working_minutes(at(2026, 11, 30, 10), at(2026, 11, 30, 10)) == 0
    assert cal.working_minutes(at(2026, 11, 30, 11), at(2026, 11, 30, 10)) == 0


# -- the national calendar ----------------------------------------------------------------

def test_the_2026_national_days_are_chinese_calendars():
    """The days the next tests count with, read from the package itself (the State Council's
    2026 notice): Mid-Autumn 25-27 September, National Day 1-7 October, worked on Sunday
    20 September and Saturday 10 October."""
    for day in [dt.date(2026, 9, d) for d in (25, 26, 27)] + \
               [dt.date(2026, 10, d) for d in range(1, 8)]:
        assert not chinese_calendar.is_workday(day), day
    sunday, saturday = dt.date(2026, 9, 20), dt.date(2026, 10, 10)
    assert sunday.weekday() == 6 and chinese_calendar.is_workday(sunday)
    assert saturday.weekday() == 5 and chinese_calendar.is_workday(saturday)
    assert chinese_calendar.is_workday(dt.date(2026, 10, 8))


def test_national_day_is_skipped(cal):
    # Wednesday 30 September 17:00: 1 h, then the holiday, then 1 h on Thursday 8 October.
    assert cal.add_working_minutes(at(2026, 9, 30, 17), 120) == at(2026, 10, 8, 9, 30)
    # From the last evening before the holiday to the morning after it: Thursday 8 October
    # and the worked Friday 9 October.
    assert cal.working_minutes(at(2026, 9, 30, 18), at(2026, 10, 10)) == 2 * 420


def test_the_adjusted_working_weekend_days_are_worked(cal):
    # Saturday 10 October and Sunday 20 September 2026 are worked (调休).
    assert cal.add_working_minutes(at(2026, 10, 9, 17), 120) == at(2026, 10, 10, 9, 30)
    assert cal.add_working_minutes(at(2026, 9, 18, 17), 120) == at(2026, 9, 20, 9, 30)
    assert cal.working_minutes(at(2026, 10, 10), at(2026, 10, 12)) == 420


def test_the_mid_autumn_long_weekend_is_skipped(cal):
    # Thursday 24 September 17:00; Friday 25 to Sunday 27 are rested.
    assert cal.add_working_minutes(at(2026, 9, 24, 17), 120) == at(2026, 9, 28, 9, 30)


# -- the county's override ----------------------------------------------------------------

def test_a_county_holiday_is_rested_though_the_nation_works():
    monday = dt.date(2026, 11, 30)
    cal = WorkingCalendar(periods=HOURS, extra_holidays=frozenset({monday}))

    assert chinese_calendar.is_workday(monday)
    assert not cal.is_workday(monday)
    assert cal.add_working_minutes(at(2026, 11, 27, 17), 120) == at(2026, 12, 1, 9, 30)


def test_a_county_workday_is_worked_though_the_nation_rests():
    saturday = dt.date(2026, 11, 28)
    cal = WorkingCalendar(periods=HOURS, extra_workdays=frozenset({saturday}))

    assert not chinese_calendar.is_workday(saturday)
    assert cal.is_workday(saturday)
    assert cal.add_working_minutes(at(2026, 11, 27, 17), 120) == at(2026, 11, 28, 9, 30)


def test_a_county_workday_can_be_a_national_holiday():
    cal = WorkingCalendar(periods=HOURS, extra_workdays=frozenset({dt.date(2026, 10, 5)}))
    assert cal.add_working_minutes(at(2026, 9, 30, 17), 120) == at(2026, 10, 5, 9, 30)


# -- a year the package does not know ------------------------------------------------------

def test_2027_falls_back_to_monday_to_friday_and_is_reported(cal):
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(dt.date(2027, 1, 4))
    assert cal.years_without_national_data(dt.date(2026, 12, 1),
                                           dt.date(2028, 1, 2)) == [2027, 2028]
    assert cal.years_without_national_data(dt.date(2026, 1, 1), dt.date(2026, 12, 31)) == []
    assert cal.unknown_years == set()

    # Thursday 31 December 2026 17:00: 1 h, then Friday 1 January 2027 is taken as worked.
    assert cal.add_working_minutes(at(2026, 12, 31, 17), 120) == at(2027, 1, 1, 9, 30)
    assert not cal.is_workday(dt.date(2027, 1, 2))  # a Saturday
    assert cal.is_workday(dt.date(2027, 1, 4))  # a Monday
    assert cal.unknown_years == {2027}


def test_the_county_override_holds_in_a_year_the_package_does_not_know():
    cal = WorkingCalendar(periods=HOURS, extra_holidays=frozenset({dt.date(2027, 1, 1)}),
                          extra_workdays=frozenset({dt.date(2027, 2, 7)}))
    assert cal.add_working_minutes(at(2026, 12, 31, 17), 120) == at(2027, 1, 4, 9, 30)
    assert cal.is_workday(dt.date(2027, 2, 7))  # a Sunday


# -- adding and counting are inverses ------------------------------------------------------

def test_counting_back_the_added_minutes_gives_them_again(cal):
    rng = random.Random(14)
    first = at(2026, 1, 1).timestamp()
    for _ in range(400):
        start = dt.datetime.fromtimestamp(rng.uniform(first, first + 365 * 86400), XIXIANG)
        minutes = rng.choice([rng.randint(0, 6000), rng.uniform(0, 6000), 210, 420])
        end = cal.add_working_minutes(start, minutes)

        assert end >= start
        assert cal.working_minutes(start, end) == pytest.approx(minutes, abs=1e-6)


def test_adding_the_counted_minutes_reaches_the_last_working_instant(cal):
    rng = random.Random(3)
    first = at(2026, 9, 1).timestamp()
    for _ in range(300):
        start, end = sorted(dt.datetime.fromtimestamp(rng.uniform(first, first + 60 * 86400),
                                                      XIXIANG) for _ in range(2))
        reached = cal.add_working_minutes(start, cal.working_minutes(start, end))

        assert start <= reached <= end
        assert cal.working_minutes(reached, end) == 0


# -- zones ---------------------------------------------------------------------------------

def test_an_instant_in_utc_is_read_on_xixiangs_clock(cal):
    # 23:30 UTC on Sunday 29 November is 07:30 on Monday 30 November in Xixiang: counting
    # begins at 08:30.
    sunday_night_utc = dt.datetime(2026, 11, 29, 23, 30, tzinfo=dt.timezone.utc)

    end = cal.add_working_minutes(sunday_night_utc, 60)

    assert end == at(2026, 11, 30, 9, 30)
    assert end.utcoffset() == dt.timedelta(hours=8)
    assert cal.working_minutes(sunday_night_utc, at(2026, 11, 30, 8, 30)) == 0
    assert cal.working_minutes(sunday_night_utc, dt.datetime(2026, 11, 30, 1, 30,
                                                             tzinfo=dt.timezone.utc)) == 60
    assert cal.is_workday(sunday_night_utc)


def test_the_calendar_runs_in_the_configured_zone(monkeypatch):
    monkeypatch.setenv("LIANCHUANG_TZ", "UTC")
    cal = WorkingCalendar(periods=HOURS)
    sunday_night_utc = dt.datetime(2026, 11, 29, 23, 30, tzinfo=dt.timezone.utc)
    assert cal.add_working_minutes(sunday_night_utc, 60) == \
        dt.datetime(2026, 11, 30, 9, 30, tzinfo=dt.timezone.utc)


def test_days_are_the_zones_own_west_of_utc_and_across_summer_time():
    # LIANCHUANG_TZ may name any zone.  Friday 30 October 2026 17:00 in Los Angeles is
    # already Saturday in UTC, and summer time ends on Sunday 1 November: still 1 h on
    # Friday and 1 h on Monday, each period at its wall-clock hours.
    la = ZoneInfo("America/Los_Angeles")
    cal = WorkingCalendar(periods=HOURS, tz=la)
    friday = dt.datetime(2026, 10, 30, 17, tzinfo=la)
    monday = dt.datetime(2026, 11, 2, 9, 30, tzinfo=la)

    assert cal.add_working_minutes(friday, 120) == monday
    assert cal.working_minutes(friday, monday) == 120
    assert (monday - friday) != (monday.astimezone(dt.timezone.utc)
                                 - friday.astimezone(dt.timezone.utc))  # an hour was added


@pytest.mark.parametrize("call", [
    lambda cal: cal.working_minutes(dt.datetime(2026, 11, 30, 9), at(2026, 11, 30, 10)),
    lambda cal: cal.working_minutes(at(2026, 11, 30, 9), dt.datetime(2026, 11, 30, 10)),
    lambda cal: cal.add_working_minutes(dt.datetime(2026, 11, 30, 9), 60),
    lambda cal: cal.add_working_minutes(dt.datetime(2026, 11, 30, 9), 0),
], ids=["start", "end", "add", "add-zero"])
def test_a_naive_datetime_is_refused(cal, call):
    with pytest.raises(ValueError, match=r"=2026-11-30T\d\d:00:00 is a naive datetime.*aware"):
        call(cal)


@pytest.mark.parametrize("minutes", [-1, float("nan"), float("inf")])
def test_minutes_to_add_are_finite_and_not_negative(cal, minutes):
    with pytest.raises(ValueError, match="minutes"):
        cal.add_working_minutes(at(2026, 11, 30, 9), minutes)


# -- limits --------------------------------------------------------------------------------

def test_a_limit_in_working_hours_or_days(cal):
    assert cal.limit_minutes(2, "working_hours") == 120
    assert cal.limit_minutes(1.5, "working_days") == 630
    assert cal.limit_minutes(3, "working_days") == 1260


def test_a_limit_in_another_unit_names_the_allowed_ones(cal):
    with pytest.raises(ValueError, match="'days'.*working_hours, working_days"):
        cal.limit_minutes(3, "days")


# -- the calendar's own checks -------------------------------------------------------------

@pytest.mark.parametrize("kwargs, words", [
    ({"periods": ((dt.time(14, 30), dt.time(18)), (dt.time(8, 30), dt.time(12)))}, "order"),
    ({"periods": ((dt.time(8, 30), dt.time(12)), (dt.time(11), dt.time(13)))}, "overlap"),
    ({"periods": ((dt.time(12), dt.time(8, 30)),)}, "12:00-08:30"),
    ({"periods": ()}, "no working period"),
    ({"periods": HOURS, "extra_workdays": frozenset({dt.date(2027, 2, 7)}),
      "extra_holidays": frozenset({dt.date(2027, 2, 7)})}, "2027-02-07"),
])
def test_a_calendar_that_cannot_be_is_refused(kwargs, words):
    with pytest.raises(ValueError, match=words):
        WorkingCalendar(**kwargs)


# -- the county's file ---------------------------------------------------------------------

def write(tmp_path, doc, name="calendar.json"):
    path = tmp_path / name
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc), encoding="utf-8")
    return path


def test_the_shipped_file_has_no_days_and_xixiangs_hours():
    cal = load_calendar()

    assert cal.extra_workdays == cal.extra_holidays == frozenset()
    assert cal.periods == HOURS
    assert cal.tz == XIXIANG
    doc = json.loads(working_time.DEFAULT_FILE.read_text(encoding="utf-8"))
    assert "chinese-calendar" in doc["note"] and "县" in doc["note"]


def test_the_file_gives_the_countys_days_and_hours(tmp_path):
    path = write(tmp_path, {"hours": "09:00-12:00,13:00-17:00", "workdays": ["2026-11-28"],
                            "holidays": ["2026-11-30"], "note": "test"})
    cal = load_calendar(path)

    assert cal.extra_workdays == {dt.date(2026, 11, 28)}
    assert cal.extra_holidays == {dt.date(2026, 11, 30)}
    assert cal.minutes_per_day == 180 + 240
    assert cal.add_working_minutes(at(2026, 11, 27, 16), 120) == at(2026, 11, 28, 10)


def test_the_file_may_leave_out_every_field(tmp_path):
    cal = load_calendar(write(tmp_path, {}))
    assert cal.periods == HOURS and not cal.extra_workdays and not cal.extra_holidays


def test_the_hours_setting_comes_before_the_files(tmp_path, monkeypatch):
    path = write(tmp_path, {"hours": "09:00-12:00"})
    assert load_calendar(path).periods == ((dt.time(9), dt.time(12)),)

    monkeypatch.setenv("LIANCHUANG_WORK_HOURS", "08:00-12:00, 14:00-17:30")
    assert load_calendar(path).periods == ((dt.time(8), dt.time(12)),
                                           (dt.time(14), dt.time(17, 30)))
    assert load_calendar(path, hours="07:00-11:00").periods == ((dt.time(7), dt.time(11)),)


def test_the_file_setting_names_the_file(tmp_path, monkeypatch):
    monkeypatch.setenv("LIANCHUANG_CALENDAR", str(write(tmp_path, {"holidays": ["2026-11-30"]})))
    assert load_calendar().extra_holidays == {dt.date(2026, 11, 30)}


def test_the_calendar_is_read_again_when_the_file_changes(tmp_path):
    path = write(tmp_path, {"holidays": ["2026-11-30"]})
    first = load_calendar(path)
    assert load_calendar(path) is first

    write(tmp_path, {"holidays": ["2026-11-30", "2026-12-01"]})
    assert load_calendar(path).extra_holidays == {dt.date(2026, 11, 30), dt.date(2026, 12, 1)}


@pytest.mark.parametrize("doc, words", [
    ('{"holidays": ["2026-11-30",]}', ["not valid JSON", "line 1"]),
    ('["2026-11-30"]', ["JSON object"]),
    ({"holiday": ["2026-11-30"]}, ["unknown field 'holiday'"]),
    ({"holidays": ["2026-02-30"]}, ["'holidays'", "'2026-02-30'", "YYYY-MM-DD"]),
    ({"workdays": ["2027/02/07"]}, ["'workdays'", "'2027/02/07'"]),
    ({"workdays": ["20270207"]}, ["'workdays'", "'20270207'"]),
    ({"workdays": [20270207]}, ["'workdays'", "20270207"]),
    ({"workdays": "2027-02-07"}, ["'workdays'", "must be a list", "'2027-02-07'"]),
    ({"workdays": ["2027-02-07"], "holidays": ["2027-02-07"]},
     ["2027-02-07", "'workdays'", "'holidays'"]),
    ({"hours": "8:30 to 12:00"}, ["'hours'", "'8:30 to 12:00'", "HH:MM-HH:MM"]),
    ({"hours": "08:30-12:00;14:30-18:00"}, ["'hours'", "'08:30-12:00;14:30-18:00'"]),
    ({"hours": "08:30-25:00"}, ["'hours'", "'08:30-25:00'", "time of day"]),
    ({"hours": 8}, ["'hours'", "8"]),
    ({"hours": "08:30-12:00,11:00-13:00"}, ["'hours'", "overlap", "11:00-13:00"]),
    ({"hours": "14:30-18:00,08:30-12:00"}, ["'hours'", "order", "08:30-12:00"]),
    ({"hours": "12:00-08:30"}, ["'hours'", "12:00-08:30", "does not end after"]),
    ({"hours": "08:30-08:30"}, ["'hours'", "08:30-08:30", "does not end after"]),
    ({"note": ["zh", "en"]}, ["'note'", "['zh', 'en']"]),
], ids=["json", "not-object", "unknown-key", "no-such-day", "slashes", "no-dashes",
        "number", "not-a-list", "both", "hours-syntax", "hours-semicolon", "hours-25",
        "hours-number", "overlap", "unsorted", "end-before-start", "empty-period", "note"])
def test_a_malformed_file_is_refused_naming_the_file_field_and_value(tmp_path, doc, words):
    path = write(tmp_path, doc)
    with pytest.raises(InvalidInput) as refused:
        load_calendar(path)
    message = str(refused.value)
    assert str(path) in message
    for word in words:
        assert word in message


def test_malformed_hours_in_the_setting_name_the_setting(tmp_path, monkeypatch):
    monkeypatch.setenv("LIANCHUANG_WORK_HOURS", "08:30-12:00,14:30-13:00")
    with pytest.raises(InvalidInput, match="LIANCHUANG_WORK_HOURS.*14:30-13:00"):
        load_calendar(write(tmp_path, {}))


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(InvalidInput, match="nowhere.json.*LIANCHUANG_CALENDAR"):
        load_calendar(tmp_path / "nowhere.json")


def test_a_malformed_setting_is_the_servers_fault_not_the_callers(tmp_path):
    # Not the caller's 400, and never a 500: the service is unavailable until fixed.
    with pytest.raises(InvalidInput) as refused:
        load_calendar(write(tmp_path, {"hours": "soon"}))
    assert refused.value.status == 503
