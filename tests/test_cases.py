"""Cases on the clock: every step, who may take it, and the working-time clock.

The calendar is the county's default (08:30-12:00 and 14:30-18:00) with the 2026 national
holidays from chinese-calendar: National Day 1-7 October 2026, back to work Thursday 8
October.  ``garbage`` (垃圾堆积) has a limit of 2 working hours in the seed.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from geo.errors import Conflict, InvalidInput, NotFound, Unprocessable
from layers.cases import categories, lifecycle
from layers.cases.cases import StepRefused, escalate_overdue, take_step
from layers.cases.working_time import WorkingCalendar
from layers.storage.models import report_events, reports
from layers.tracking.accounts import Forbidden, NotAuthenticated, create_user
from layers.tracking.attachments import save_photo
from layers.tracking.problem_reports import StatusByStep, file_report, get_report, update_report
from tests.images import PNG

XIXIANG = ZoneInfo("Asia/Shanghai")
CALENDAR = WorkingCalendar(periods=((dt.time(8, 30), dt.time(12, 0)),
                                    (dt.time(14, 30), dt.time(18, 0))))
LON, LAT = 107.7662, 32.9853


def at(day: str, hhmm: str) -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T{hhmm}").replace(tzinfo=XIXIANG)


@pytest.fixture
def people(clean_db):
    with clean_db.begin() as conn:
        return {
            "inspector": create_user(conn, "li", "李督查", "inspector"),
            "dispatcher": create_user(conn, "zhang", "张受理", "inspector",
                                      duties=("dispatcher",)),
            "handler": create_user(conn, "wang", "王处置", "inspector", "县城市管理局",
                                   duties=("handler",)),
            "other_unit": create_user(conn, "zhao", "赵处置", "inspector", "县水利局",
                                      duties=("handler",)),
            "supervisor": create_user(conn, "chen", "陈监督", "inspector",
                                      duties=("supervisor",)),
            "handler_supervisor": create_user(conn, "liu", "刘两职", "inspector", "县城市管理局",
                                              duties=("handler", "supervisor")),
            "leader": create_user(conn, "boss", "周局长", "inspector", "县城市管理局",
                                  duties=("leader",)),
        }


@pytest.fixture
def photo(clean_db, tmp_path, monkeypatch):
    monkeypatch.setenv("LIANCHUANG_UPLOADS", str(tmp_path))
    return save_photo(clean_db, PNG, declared_type="image/png", original_name="after.png",
                      user=None)["id"]


def step(engine, case, user, action, when, **kwargs):
    """Take *action* on *case* (its current version) at *when*; return the case after."""
    version = get_report(engine, case["id"])["version"]
    return take_step(engine, case["id"], user, action, version=version, now=when,
                     calendar=CALENDAR, **kwargs)


def new_case(engine, user=None, category="garbage"):
    return file_report(engine, user, category=category, lon=LON, lat=LAT,
                       description="桥头垃圾堆积")


def dispatched(engine, people, when=None):
    case = new_case(engine, people["inspector"])
    step(engine, case, people["dispatcher"], "accept", at("2026-09-30", "16:00"))
    return step(engine, case, people["dispatcher"], "dispatch",
                when or at("2026-09-30", "17:00"))


def test_a_case_walks_every_step_with_a_rework_over_national_day(clean_db, people, photo):
    case = new_case(clean_db, people["inspector"])
    assert (case["status"], case["next_steps"]) == ("reported", ["accept", "refuse",
                                                                 "duplicate"])
    assert case["department"] == "县城市管理局"  # the category's default unit
    assert len(case["tracking_code"]) == 10
    assert "tracking_code" not in get_report(clean_db, case["id"])  # the reporter's only

    filed = step(clean_db, case, people["dispatcher"], "accept", at("2026-09-30", "16:00"))
    assert filed["status"] == "filed" and filed["clock"]["state"] == "none"

    # Dispatched 17:00 on 30 September: 1 working hour that day, then 1-7 October are
    # holidays, so the 2-hour limit runs out at 09:30 on 8 October.
    sent = step(clean_db, case, people["dispatcher"], "dispatch", at("2026-09-30", "17:00"))
    assert sent["status"] == "dispatched"
    assert sent["clock"]["limit_min"] == 120
    with clean_db.connect() as conn:
        deadline, warn = conn.execute(sa.select(reports.c.deadline_at, reports.c.warn_at)
                                      .where(reports.c.id == case["id"])).one()
    assert deadline == at("2026-10-08", "09:30")
    assert warn == at("2026-10-08", "09:06")  # 96 of 120 minutes

    done = step(clean_db, case, people["handler"], "handle", at("2026-10-08", "09:00"),
                photo_id=photo)
    assert done["status"] == "handled"
    assert done["clock"]["used_min"] == 90.0 and done["clock"]["judgement"] == "on_time"

    # The supervisor finds it not done: back to the unit, the clock runs on from 90 min.
    back = step(clean_db, case, people["supervisor"], "rework", at("2026-10-08", "10:00"),
                note="仍有残留垃圾", lon=LON, lat=LAT)
    assert (back["status"], back["rework_count"]) == ("dispatched", 1)
    with clean_db.connect() as conn:
        assert conn.scalar(sa.select(reports.c.deadline_at)
                           .where(reports.c.id == case["id"])) == at("2026-10-08", "10:30")

    again = step(clean_db, case, people["handler"], "handle", at("2026-10-08", "10:20"),
                 photo_id=photo)
    assert again["clock"]["used_min"] == 110.0 and again["clock"]["judgement"] == "on_time"

    checked = step(clean_db, case, people["supervisor"], "verify", at("2026-10-08", "10:40"),
                   photo_id=photo, lon=LON + 0.0003, lat=LAT)  # about 28 m away
    assert checked["status"] == "verified"

    closed = step(clean_db, case, people["dispatcher"], "close", at("2026-10-08", "11:00"))
    assert (closed["status"], closed["open311_status"]) == ("closed", "closed")
    assert closed["next_steps"] == ["rate"]
    actions = [e["action"] for e in reversed(closed["history"])]
    assert actions == ["report", "accept", "dispatch", "handle", "rework", "handle", "verify",
                       "close"]
    actors = {e["action"]: e["actor"] for e in closed["history"]}
    assert actors["verify"].startswith("陈监督") and actors["handle"].startswith("王处置")
    verify = next(e for e in closed["history"] if e["action"] == "verify")
    assert verify["photo_id"] == photo and verify["position"] == [LON + 0.0003, LAT]
    assert 20 < verify["data"]["distance_m"] < 35


def test_no_step_can_be_skipped_and_the_answer_names_the_next_ones(clean_db, people):
    case = new_case(clean_db, people["inspector"])
    with pytest.raises(StepRefused) as refused:
        step(clean_db, case, people["dispatcher"], "dispatch", at("2026-11-02", "09:00"))
    assert refused.value.status == 409
    assert refused.value.body_members() == {"status": "reported",
                                            "allowed_steps": ["accept", "refuse", "duplicate"]}
    with pytest.raises(StepRefused, match="next steps are: accept"):
        step(clean_db, case, people["dispatcher"], "close", at("2026-11-02", "09:00"))


def test_every_status_allows_exactly_the_table_s_steps():
    expected = {
        "reported": ["accept", "refuse", "duplicate"],
        "filed": ["duplicate", "dispatch"],
        "dispatched": ["reassign", "handle", "request_extension", "approve_extension",
                       "refuse_extension", "suspend", "escalate"],
        "handled": ["verify", "rework"],
        "verified": ["close"],
        "suspended": ["resume"],
        "closed": ["rate"],
        "refused": [],
        "duplicate": [],
    }
    assert {s: lifecycle.steps_from(s) for s in lifecycle.STATUSES} == expected


def test_a_handler_cannot_verify_their_own_case(clean_db, people, photo):
    case = dispatched(clean_db, people)
    step(clean_db, case, people["handler_supervisor"], "handle", at("2026-10-08", "09:00"),
         photo_id=photo)
    with pytest.raises(Forbidden, match="other than the handler") as refused:
        step(clean_db, case, people["handler_supervisor"], "verify", at("2026-10-08", "09:30"),
             photo_id=photo, lon=LON, lat=LAT)
    assert refused.value.status == 403
    with pytest.raises(Forbidden, match="other than the handler"):
        step(clean_db, case, people["handler_supervisor"], "rework", at("2026-10-08", "09:30"),
             note="x", lon=LON, lat=LAT)


def test_steps_need_their_duty_and_the_handler_s_own_unit(clean_db, people, photo):
    case = new_case(clean_db, people["inspector"])
    with pytest.raises(Forbidden, match="needs the duty dispatcher"):
        step(clean_db, case, people["inspector"], "accept", at("2026-11-02", "09:00"))
    with pytest.raises(NotAuthenticated):
        step(clean_db, case, None, "accept", at("2026-11-02", "09:00"))
    case = dispatched(clean_db, people)
    with pytest.raises(Forbidden, match="handles 县水利局's cases"):
        step(clean_db, case, people["other_unit"], "handle", at("2026-10-08", "09:00"),
             photo_id=photo)
    with pytest.raises(Forbidden, match="needs the duty handler"):
        step(clean_db, case, people["supervisor"], "handle", at("2026-10-08", "09:00"),
             photo_id=photo)


def test_steps_refuse_what_they_lack(clean_db, people, photo):
    case = new_case(clean_db, people["inspector"])
    with pytest.raises(InvalidInput, match="needs a note"):
        step(clean_db, case, people["dispatcher"], "refuse", at("2026-11-02", "09:00"))
    case = dispatched(clean_db, people)
    with pytest.raises(InvalidInput, match="needs a photo"):
        step(clean_db, case, people["handler"], "handle", at("2026-10-08", "09:00"))
    with pytest.raises(NotFound, match="no uploaded photo"):
        step(clean_db, case, people["handler"], "handle", at("2026-10-08", "09:00"),
             photo_id="nope")
    step(clean_db, case, people["handler"], "handle", at("2026-10-08", "09:00"), photo_id=photo)
    with pytest.raises(InvalidInput, match="send lon and lat"):
        step(clean_db, case, people["supervisor"], "verify", at("2026-10-08", "09:30"),
             photo_id=photo)
    with pytest.raises(Unprocessable, match="more than 100 m"):  # about 280 m away
        step(clean_db, case, people["supervisor"], "verify", at("2026-10-08", "09:30"),
             photo_id=photo, lon=LON + 0.003, lat=LAT)
    with pytest.raises(InvalidInput, match="unknown step"):
        step(clean_db, case, people["supervisor"], "teleport", at("2026-10-08", "09:30"))


def test_refused_with_a_reason_ends_the_case(clean_db, people):
    case = new_case(clean_db, people["inspector"])
    refused = step(clean_db, case, people["dispatcher"], "refuse", at("2026-11-02", "09:00"),
                   note="不属于城市管理范围")
    assert (refused["status"], refused["open311_status"], refused["next_steps"]) == (
        "refused", "closed", [])
    assert refused["status_notes"] == "不属于城市管理范围"


def test_a_stale_or_missing_version_is_refused(clean_db, people):
    case = new_case(clean_db, people["inspector"])
    with pytest.raises(Conflict, match="at version 1, not 7"):
        take_step(clean_db, case["id"], people["dispatcher"], "accept", version=7,
                  calendar=CALENDAR)
    with pytest.raises(Conflict) as missing:
        take_step(clean_db, case["id"], people["dispatcher"], "accept", version=None,
                  calendar=CALENDAR)
    assert missing.value.status == 428
    assert get_report(clean_db, case["id"])["status"] == "reported"


def test_an_approved_extension_moves_the_deadline(clean_db, people):
    case = dispatched(clean_db, people, when=at("2026-11-02", "09:00"))  # a Monday
    asked = step(clean_db, case, people["handler"], "request_extension",
                 at("2026-11-02", "09:30"), minutes=60, note="需调运车辆")
    assert asked["clock"]["extension_requested_min"] == 60
    with pytest.raises(Conflict, match="already waiting"):
        step(clean_db, case, people["handler"], "request_extension", at("2026-11-02", "09:40"),
             minutes=30, note="再延")
    with pytest.raises(Forbidden):
        step(clean_db, case, people["handler"], "approve_extension", at("2026-11-02", "09:45"))
    granted = step(clean_db, case, people["dispatcher"], "approve_extension",
                   at("2026-11-02", "10:00"))
    assert granted["clock"]["extension_min"] == 60
    with clean_db.connect() as conn:
        # 09:00 + 180 working minutes = 12:00 (the morning ends exactly then)
        assert conn.scalar(sa.select(reports.c.deadline_at)
                           .where(reports.c.id == case["id"])) == at("2026-11-02", "12:00")
    with pytest.raises(Conflict, match="no extension is waiting"):
        step(clean_db, case, people["dispatcher"], "approve_extension", at("2026-11-02", "10:05"))


def test_suspension_pauses_the_clock(clean_db, people, photo):
    case = dispatched(clean_db, people, when=at("2026-11-02", "09:00"))
    step(clean_db, case, people["dispatcher"], "suspend", at("2026-11-02", "09:40"),
         note="需列入年度计划")
    step(clean_db, case, people["dispatcher"], "resume", at("2026-11-09", "09:00"))
    done = step(clean_db, case, people["handler"], "handle", at("2026-11-09", "09:30"),
                photo_id=photo)
    assert done["clock"]["used_min"] == 70.0  # 40 before the pause, 30 after


def test_late_handling_is_overdue_and_escalation_happens_once(clean_db, people, photo,
                                                              monkeypatch):
    case = dispatched(clean_db, people, when=at("2026-11-02", "09:00"))
    # The 2 hours run out at 11:00; at 11:30 the case is overdue and escalated once.
    assert escalate_overdue(clean_db, now=at("2026-11-02", "10:59")) == []
    assert escalate_overdue(clean_db, now=at("2026-11-02", "11:30")) == [case["id"]]
    assert escalate_overdue(clean_db, now=at("2026-11-02", "11:45")) == []
    with clean_db.connect() as conn:
        events = conn.execute(sa.select(report_events.c.action, report_events.c.note).where(
            report_events.c.report_id == case["id"], report_events.c.action == "escalate")).all()
    assert len(events) == 1 and "县城市管理局" in events[0].note
    late = step(clean_db, case, people["handler"], "handle", at("2026-11-02", "15:00"),
                photo_id=photo)
    assert late["clock"]["judgement"] == "overdue"
    assert late["clock"]["used_min"] == 210.0  # 09:00-12:00 and 14:30-15:00


def test_the_reporter_rates_a_closed_case_with_the_tracking_code(clean_db, people, photo):
    case = dispatched(clean_db, people, when=at("2026-11-02", "09:00"))
    step(clean_db, case, people["handler"], "handle", at("2026-11-02", "10:00"), photo_id=photo)
    step(clean_db, case, people["supervisor"], "verify", at("2026-11-02", "10:30"),
         photo_id=photo, lon=LON, lat=LAT)
    closed = step(clean_db, case, people["dispatcher"], "close", at("2026-11-02", "11:00"))
    with clean_db.connect() as conn:
        code = conn.scalar(sa.select(reports.c.tracking_code).where(reports.c.id == case["id"]))
    with pytest.raises(Forbidden, match="for the reporter"):
        step(clean_db, closed, None, "rate", at("2026-11-03", "09:00"), rating="satisfied",
             tracking_code="WRONGCODE1")
    rated = step(clean_db, closed, None, "rate", at("2026-11-03", "09:00"), rating="fair",
                 tracking_code=code.lower())
    assert rated["rating"] == "fair" and rated["rating_label"]["zh"] == "基本满意"
    with pytest.raises(Conflict, match="rated already"):
        step(clean_db, closed, None, "rate", at("2026-11-03", "09:05"), rating="satisfied",
             tracking_code=code)


def test_a_status_is_not_changed_outside_the_steps(clean_db, people):
    case = new_case(clean_db, people["inspector"])
    with pytest.raises(StatusByStep) as refused:
        update_report(clean_db, case["id"], people["inspector"], status="closed")
    assert refused.value.status == 409
    assert refused.value.body_members()["allowed_steps"] == ["accept", "refuse", "duplicate"]
    noted = update_report(clean_db, case["id"], people["inspector"], note="已电话联系")
    assert noted["status"] == "reported" and noted["history"][0]["note"] == "已电话联系"


def test_an_admin_edit_of_a_category_is_a_new_version_and_the_seed_keeps_it(clean_db):
    with clean_db.begin() as conn:
        admin = create_user(conn, "root", "管理员", "admin")
        before = categories.get_category(conn, "garbage")
    definition = {k: v for k, v in before.items()
                  if k not in ("code", "active", "version", "updated_at", "updated_by")}
    changed = categories.save_category(clean_db, admin, "garbage",
                                       {**definition, "time_limit": 4}, version=before["version"],
                                       note="县城管局调整时限")
    assert (changed["version"], changed["time_limit"]) == (before["version"] + 1, 4)
    with pytest.raises(Conflict, match=f"is at version {before['version'] + 1}"):
        categories.save_category(clean_db, admin, "garbage", definition,
                                 version=before["version"])
    with pytest.raises(InvalidInput, match="time_unit"):
        categories.save_category(clean_db, admin, "garbage",
                                 {**definition, "time_unit": "fortnights"},
                                 version=changed["version"])
    with clean_db.begin() as conn:
        assert categories.ensure_seed(conn) == 0  # the admin's edit is not overwritten
        assert categories.get_category(conn, "garbage")["time_limit"] == 4
        versions = categories.category_versions(conn, "garbage")
    assert [v["version"] for v in versions][:2] == [before["version"] + 1, before["version"]]
    assert versions[0]["note"] == "县城管局调整时限"


def test_a_dispatch_uses_the_limit_of_the_category_then_in_force(clean_db, people):
    with clean_db.begin() as conn:
        admin = create_user(conn, "root", "管理员", "admin")
        before = categories.get_category(conn, "garbage")
    definition = {k: v for k, v in before.items()
                  if k not in ("code", "active", "version", "updated_at", "updated_by")}
    categories.save_category(clean_db, admin, "garbage",
                             {**definition, "time_limit": 1, "time_unit": "working_days"},
                             version=before["version"])
    case = dispatched(clean_db, people, when=at("2026-11-02", "09:00"))
    assert case["clock"]["limit_min"] == 420  # one working day of 7 hours


def test_an_escalation_is_posted_to_the_webhook(clean_db, people, monkeypatch):
    import http.server
    import json
    import threading

    received = []

    class Hook(http.server.BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - the http.server API
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.handle_request, daemon=True).start()
    monkeypatch.setenv("LIANCHUANG_WEBHOOK_URL", f"http://127.0.0.1:{server.server_port}/hook")
    case = dispatched(clean_db, people, when=at("2026-11-02", "09:00"))
    escalate_overdue(clean_db, now=at("2026-11-02", "11:30"))
    for _ in range(50):
        if received:
            break
        threading.Event().wait(0.1)
    server.server_close()
    assert received == [{"event": "escalate", "case_id": case["id"], "unit": "县城市管理局",
                         "automatic": True}]


def test_a_deadline_in_a_year_without_national_holidays_says_so():
    # chinese-calendar knows the years the State Council has announced (2026 in release
    # 1.11); a limit running into a year it does not know is counted Monday to Friday
    # there, and the clock names that year so the county can add its days.
    from layers.cases.cases import clock_of

    record = {"time_limit_min": 120, "extension_min": 0, "clock_used_min": 0.0,
              "clock_since": at("2099-12-31", "17:00"), "deadline_at": at("2100-01-01", "09:30"),
              "status": "dispatched"}
    assert clock_of(record, now=at("2099-12-31", "17:30"), calendar=CALENDAR)[
        "calendar_gaps"] == [2099, 2100]
    record.update(clock_since=at("2026-11-02", "09:00"), deadline_at=at("2026-11-02", "11:00"))
    assert clock_of(record, now=at("2026-11-02", "09:30"), calendar=CALENDAR)[
        "calendar_gaps"] == []


def test_a_case_goes_only_to_a_known_unit(clean_db, people):
    case = new_case(clean_db, people["inspector"])
    step(clean_db, case, people["dispatcher"], "accept", at("2026-11-02", "09:00"))
    with pytest.raises(InvalidInput,
                       match="unknown unit '县城管局'; a case goes to one of: .*县城市管理局"):
        step(clean_db, case, people["dispatcher"], "dispatch", at("2026-11-02", "09:00"),
             unit="县城管局")
    sent = step(clean_db, case, people["dispatcher"], "dispatch", at("2026-11-02", "09:00"),
                unit="县水利局")  # a handler's department is a unit
    assert sent["department"] == "县水利局"
    with pytest.raises(InvalidInput, match="already with 县水利局"):
        step(clean_db, case, people["dispatcher"], "reassign", at("2026-11-02", "09:10"),
             unit="县水利局", note="改派")
    moved = step(clean_db, case, people["dispatcher"], "reassign", at("2026-11-02", "09:10"),
                 unit="县城市管理局", note="属城管职责")
    assert moved["department"] == "县城市管理局" and moved["clock"]["state"] == "running"


def test_the_list_finds_cases_past_80_percent_and_overdue(clean_db, people):
    from layers.tracking.problem_reports import list_reports

    case = dispatched(clean_db, people, when=at("2026-11-02", "09:00"))  # 2 h: 11:00
    def ids(**filters):
        return [r["id"] for r in list_reports(clean_db, **filters)]
    assert ids(now=at("2026-11-02", "10:30"), warning=True) == []
    assert ids(now=at("2026-11-02", "10:40"), warning=True) == [case["id"]]  # 96 min: 10:36
    assert ids(now=at("2026-11-02", "10:40"), overdue=True) == []
    assert ids(now=at("2026-11-02", "11:01"), warning=True) == []
    assert ids(now=at("2026-11-02", "11:01"), overdue=True) == [case["id"]]
    assert ids(now=at("2026-11-02", "11:01"), overdue=False) == []
    listed = list_reports(clean_db, now=at("2026-11-02", "10:40"), ids=[case["id"]])[0]
    assert listed["clock"]["judgement"] == "warning"


def test_a_case_s_history_cannot_be_changed_or_removed(clean_db, people):
    case = new_case(clean_db, people["inspector"])
    for statement in (report_events.update().values(note="改写"), report_events.delete()):
        with pytest.raises(sa.exc.DBAPIError, match="kept as written"):
            with clean_db.begin() as conn:
                conn.execute(statement.where(report_events.c.report_id == case["id"]))
    assert get_report(clean_db, case["id"])["history"][0]["action"] == "report"
