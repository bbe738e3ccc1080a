"""Scoring and the monthly bulletin against a fixture counted by hand.

September 2026: 中秋 holidays are Friday 25 to Sunday 27; working hours 08:30-12:00 and
14:30-18:00 (7 h a day).  ``garbage`` (县城市管理局) has 2 working hours, ``road_damage``
(县住建局) 5 working days (2,100 minutes).  Seven cases are dispatched in September:

====  ======  =============================================  ========  ==========  ======
case  unit    what happens                                   used min  closed      rating
====  ======  =============================================  ========  ==========  ======
A     城管    dispatched 1 Sep 09:00, handled 10:00          60        on time     满意
B     城管    dispatched Thu 24 Sep 17:00, over 中秋,          105       on time     基本满意
              handled Mon 28 Sep 09:15 (88 hours later)
C     城管    reworked twice; handled 09:30, 10:30, 11:30    90        on time     不满意
D     城管    dispatched 3 Sep 09:00, handled 10:00,         180       late        —
              reworked 10:30, handled again 15:00
E     城管    dispatched 29 Sep 09:00, never handled         —         open, late  —
F     住建    dispatched 14 Sep 09:00, handled 15 Sep 09:00  420       on time     —
G     住建    dispatched 29 Sep 09:00, deadline 12 Oct       —         open        —
====  ======  =============================================  ========  ==========  ======

plus one case dispatched in August (not counted) and one never filed (not counted).
A-E lie in 东渡社区 (城南街道); F and G outside every community.

城管: dispatched 5, closed 4, on time 3, reworked 2 (3 reworks), overdue 2 (D, E), mean
handling (60 + 105 + 90 + 180) / 4 = 108.75 min = 1.81 h, 结案率 80 %, 按期结案率 60 %,
返工率 40 %, 满意率 2/3.  住建: dispatched 2, closed 1, on time 1, overdue 0, 7.0 h, 50 %,
50 %, 0 %, no rating.  Ranking: 城管 (60 %) before 住建 (50 %).
"""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
import sqlalchemy as sa

from layers.cases import scoring
from layers.cases.bulletin import workbook
from layers.storage.models import reports
from layers.tracking.accounts import create_user
from layers.tracking.problem_reports import file_report, get_report
from tests.factories import add_features
from tests.test_cases import LAT, LON, at, step

pytest_plugins = ["tests.factories"]

OUTSIDE = (LON + 0.05, LAT)  # no community there


@pytest.fixture
def september(clean_db, tmp_path, monkeypatch):
    monkeypatch.setenv("LIANCHUANG_UPLOADS", str(tmp_path))
    from layers.tracking.attachments import save_photo
    from tests.images import PNG

    with clean_db.begin() as conn:
        add_features(conn, "communities", {
            "fid": "CM-1", "name": "东渡社区", "street": "城南街道", "population": 5000,
            "geom": f"MULTIPOLYGON((({LON - .01} {LAT - .01}, {LON + .01} {LAT - .01}, "
                    f"{LON + .01} {LAT + .01}, {LON - .01} {LAT + .01}, {LON - .01} {LAT - .01})))"})
        people = {
            "inspector": create_user(conn, "li", "李督查", "inspector"),
            "dispatcher": create_user(conn, "zhang", "张受理", "inspector",
                                      duties=("dispatcher",)),
            "cg": create_user(conn, "wang", "王处置", "inspector", "县城市管理局",
                              duties=("handler",)),
            "zj": create_user(conn, "sun", "孙处置", "inspector", "县住建局", duties=("handler",)),
            "supervisor": create_user(conn, "chen", "陈监督", "inspector",
                                      duties=("supervisor",)),
        }
    photo = save_photo(clean_db, PNG, declared_type="image/png", original_name="a.png",
                       user=None)["id"]
    engine = clean_db

    def case(category, where, dispatched_at):
        lon, lat = where
        made = file_report(engine, people["inspector"], category=category, lon=lon, lat=lat,
                           description="通报测试")
        step(engine, made, people["dispatcher"], "accept", dispatched_at)
        step(engine, made, people["dispatcher"], "dispatch", dispatched_at)
        return made

    def finish(made, handler, handled_at, rating=None):
        step(engine, made, handler, "handle", handled_at, photo_id=photo)
        later = handled_at + dt.timedelta(minutes=10)
        step(engine, made, people["supervisor"], "verify", later, photo_id=photo,
             lon=get_report(engine, made["id"])["lon"], lat=get_report(engine, made["id"])["lat"])
        step(engine, made, people["dispatcher"], "close", later + dt.timedelta(minutes=5))
        if rating:
            with engine.connect() as conn:
                code = conn.scalar(sa.select(reports.c.tracking_code)
                                   .where(reports.c.id == made["id"]))
            step(engine, made, None, "rate", later + dt.timedelta(hours=1), rating=rating,
                 tracking_code=code)

    inside = (LON, LAT)
    cg, zj = people["cg"], people["zj"]
    finish(case("garbage", inside, at("2026-09-01", "09:00")), cg, at("2026-09-01", "10:00"),
           "satisfied")                                                                    # A
    finish(case("garbage", inside, at("2026-09-24", "17:00")), cg, at("2026-09-28", "09:15"),
           "fair")                                                                         # B
    c = case("garbage", inside, at("2026-09-02", "09:00"))                                 # C
    for handled, rework in (("09:30", "10:00"), ("10:30", "11:00")):
        step(engine, c, cg, "handle", at("2026-09-02", handled), photo_id=photo)
        step(engine, c, people["supervisor"], "rework", at("2026-09-02", rework),
             note="未清理干净", lon=LON, lat=LAT)
    finish(c, cg, at("2026-09-02", "11:30"), "dissatisfied")
    d = case("garbage", inside, at("2026-09-03", "09:00"))                                 # D
    step(engine, d, cg, "handle", at("2026-09-03", "10:00"), photo_id=photo)
    step(engine, d, people["supervisor"], "rework", at("2026-09-03", "10:30"), note="返工",
         lon=LON, lat=LAT)
    finish(d, cg, at("2026-09-03", "15:00"))
    case("garbage", inside, at("2026-09-29", "09:00"))                                     # E
    finish(case("road_damage", OUTSIDE, at("2026-09-14", "09:00")), zj,
           at("2026-09-15", "09:00"))                                                      # F
    case("road_damage", OUTSIDE, at("2026-09-29", "09:00"))                                # G
    finish(case("garbage", inside, at("2026-08-31", "09:00")), cg, at("2026-08-31", "10:00"))
    file_report(engine, people["inspector"], category="garbage", lon=LON, lat=LAT,
                description="未立案")
    return engine


def _by_key(rows):
    return {row["key"]: row for row in rows}


def test_unit_scores_match_the_hand_count(september):
    since, until = scoring.period_of_month("2026-09")
    with september.connect() as conn:
        rows = scoring.score(conn, since, until, "unit")
    assert [row["key"] for row in rows] == ["县城市管理局", "县住建局"]
    cg, zj = _by_key(rows)["县城市管理局"], _by_key(rows)["县住建局"]
    assert {k: cg[k] for k in ("rank", "dispatched", "closed", "closed_on_time", "reworked",
                               "reworks", "overdue", "satisfied", "fair", "dissatisfied",
                               "rated")} == {
        "rank": 1, "dispatched": 5, "closed": 4, "closed_on_time": 3, "reworked": 2,
        "reworks": 3, "overdue": 2, "satisfied": 1, "fair": 1, "dissatisfied": 1, "rated": 3}
    assert cg["avg_handling_hours"] == 1.81
    assert (cg["closing_rate"], cg["on_time_rate"], cg["rework_rate"],
            cg["satisfaction_rate"]) == (0.8, 0.6, 0.4, 0.6667)
    assert {k: zj[k] for k in ("rank", "dispatched", "closed", "closed_on_time", "reworked",
                               "overdue", "avg_handling_hours", "closing_rate", "on_time_rate",
                               "rework_rate", "satisfaction_rate")} == {
        "rank": 2, "dispatched": 2, "closed": 1, "closed_on_time": 1, "reworked": 0,
        "overdue": 0, "avg_handling_hours": 7.0, "closing_rate": 0.5, "on_time_rate": 0.5,
        "rework_rate": 0.0, "satisfaction_rate": None}


def test_street_and_community_scores_group_the_same_cases(september):
    since, until = scoring.period_of_month("2026-09")
    with september.connect() as conn:
        streets = _by_key(scoring.score(conn, since, until, "street"))
        communities = _by_key(scoring.score(conn, since, until, "community"))
    assert (streets["城南街道"]["dispatched"], streets[None]["dispatched"]) == (5, 2)
    assert communities["东渡社区"]["closed_on_time"] == 3


def test_a_period_is_judged_at_its_end(september):
    # E is overdue from 11:00 on 29 September: before then it was not.
    with september.connect() as conn:
        rows = scoring.score(conn, at("2026-09-01", "00:00"), at("2026-09-29", "10:00"))
    cg = _by_key(rows)["县城市管理局"]
    assert (cg["dispatched"], cg["overdue"]) == (5, 1)  # only D


def test_the_bulletin_workbook_carries_the_same_figures(september):
    since, until = scoring.period_of_month("2026-09")
    with september.connect() as conn:
        book = openpyxl.load_workbook(io.BytesIO(workbook(conn, "2026-09", since, until)))
    assert book.sheetnames == ["责任单位排名", "街道办事处", "社区", "指标说明"]
    sheet = book["责任单位排名"]
    header = [c.value for c in sheet[3]]
    first = dict(zip(header, [c.value for c in sheet[4]]))
    assert (first["排名"], first["单位"], first["应结案数"], first["结案数"], first["按期结案数"],
            first["超期数"], first["返工次数"], first["按期结案率"]) == (
        1, "县城市管理局", 5, 4, 3, 2, 3, 0.6)
    assert sheet.cell(4, header.index("按期结案率") + 1).number_format == "0.0%"
    assert "2026-09-01 至 2026-09-30" in sheet["A2"].value


def test_scores_and_bulletin_over_http(september, client):
    answer = client.get("/api/cases/scores?month=2026-09&by=unit")
    assert answer.status_code == 200
    assert [r["dispatched"] for r in answer.get_json()["rows"]] == [5, 2]
    assert client.get("/api/cases/scores?since=2026-09-01&until=2026-09-30").get_json()[
        "rows"][0]["closed_on_time"] == 3
    for bad in ("month=2026-13", "month=2026-09&since=2026-09-01", "since=2026-09-30",
                "by=planet&month=2026-09", "since=2026-09-30&until=2026-09-01"):
        refused = client.get(f"/api/cases/scores?{bad}")
        assert refused.status_code == 400, bad
        assert refused.get_json()["error"]["message"]
    book = client.get("/api/cases/bulletin?month=2026-09")
    assert book.status_code == 200
    assert "bulletin-2026-09.xlsx" in book.headers["Content-Disposition"]
    assert openpyxl.load_workbook(io.BytesIO(book.data))["社区"]["B4"].value == "东渡社区"


def test_the_bulletin_as_a_page_and_as_a_pdf(september, client):
    page = client.get("/api/cases/bulletin?month=2026-09&format=html")
    assert page.status_code == 200 and page.mimetype == "text/html"
    text = page.get_data(as_text=True)
    assert "本期共派遣案件 7 件，期末前结案 5 件（结案率 71.4%）" in text
    assert "按期结案 4 件（按期结案率 57.1%），超期 2 件" in text
    assert "按期结案率排名第一的是县城市管理局，末位是县住建局" in text
    pdf = client.get("/api/cases/bulletin?month=2026-09&format=pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert "bulletin-2026-09.pdf" in pdf.headers["Content-Disposition"]
    assert client.get("/api/cases/bulletin?month=2026-09&format=doc").status_code == 400
