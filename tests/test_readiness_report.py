"""The assessors' readiness report: PDF and XLSX of one title, on the green town
(:mod:`tests.green_town`: green space ratio 2 %, park area per capita 1.0 m²/person) with
figures entered by a planner and a series of three snapshots."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from layers.readiness.snapshots import take_snapshot
from tests.green_town import build_green_town
from tests.test_readiness import GARDEN_VETOES, enter, planner  # noqa: F401 (fixture)

pytest_plugins = ["tests.factories"]

REPORT = "/api/readiness/national_garden/report"


@pytest.fixture
def garden(client, clean_db, planner):  # noqa: F811
    build_green_town(clean_db)
    token = planner["planner"]
    assert enter(client, token, "national_garden", "green_lines", True,
                 evidence_text="西政发〔2026〕7号").status_code == 201
    assert enter(client, token, "national_garden", "sewage_treatment_rate", 88.5,
                 evidence_text="住建局统计年报2026").status_code == 201
    from tests.factories import add_project  # (a plugin: imported late)

    with clean_db.begin() as conn:
        add_project(conn, "YL-1", "南湖游园提升", category="greening", status="in_progress",
                    progress=40, features=(("parks", "P1"),))
    for day in ("2026-09-01", "2026-10-01", "2026-11-01"):
        take_snapshot(clean_db, dt.date.fromisoformat(day), ["national_garden"])
    return clean_db


def test_the_workbook_lists_every_item_veto_first_with_value_threshold_and_evidence(
        client, garden):
    response = client.get(f"{REPORT}?format=xlsx")

    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    assert "attachment" in response.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["清单", "快照"]
    sheet = book["清单"]
    header = [cell.value for cell in sheet[3]]
    rows = {}
    for values in sheet.iter_rows(min_row=4, values_only=True):
        if isinstance(values[0], int):
            rows[values[1]] = dict(zip(header, values))
    names = list(rows)
    assert len(names) == 8
    assert [rows[n]["否决项"] for n in names] == ["是"] * 6 + ["否"] * 2
    ratio, per_capita = rows["县城绿地率"], rows["人均公园绿地面积"]
    assert ratio["现状值"] == pytest.approx(2.0, rel=1e-6)
    assert ratio["阈值"] == "待核实" and ratio["达标情况"] == "阈值待核实"
    assert per_capita["现状值"] == pytest.approx(1.0, rel=1e-6)
    assert per_capita["阈值"] == 9.0 and per_capita["达标情况"] == "未达标"
    assert "8.00" in per_capita["差距"]
    assert rows["绿线划定"]["现状值"] == "是" and rows["绿线划定"]["达标情况"] == "达标"
    assert "西政发〔2026〕7号" in rows["绿线划定"]["佐证"]
    assert rows["污水处理率"]["现状值"] == pytest.approx(88.5)
    assert "住建局统计年报2026" in rows["污水处理率"]["佐证"]
    assert rows["县城绿地系统规划编制"]["现状值"] == "缺数据"
    assert rows["县城绿地系统规划编制"]["原文已核实"] == "是"
    assert rows["县城绿地系统规划编制"]["目标日期"] == "2017-12-31"
    assert rows["人均公园绿地面积"]["推动项目"] == "YL-1 南湖游园提升（在建，40%）"
    assert rows["绿线划定"]["推动项目"] is None  # no moved_by rule: the cell is empty
    verdict = [values for values in sheet.iter_rows(values_only=True) if values[0] == "结论"]
    assert verdict and "否决项" in verdict[0][1]


def test_the_workbook_holds_the_snapshot_series(client, garden):
    book = load_workbook(io.BytesIO(client.get(f"{REPORT}?format=xlsx").data))

    rows = list(book["快照"].iter_rows(min_row=2, values_only=True))
    per_capita = [row for row in rows if row[1] == "人均公园绿地面积"]
    assert [row[2] for row in per_capita] == ["2026-09-01", "2026-10-01", "2026-11-01"]
    assert all(row[3] == pytest.approx(1.0, rel=1e-6) for row in per_capita)
    assert len(rows) == 3 * 8


def test_the_pdf_is_a_pdf_with_pages(client, garden):
    response = client.get(f"{REPORT}?format=pdf")
    if response.status_code == 503:
        pytest.skip("headless Chromium is missing: the PDF cannot be printed here")

    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF-")
    assert b"/Type /Page" in response.data or b"/Type/Page" in response.data
    assert b"%%EOF" in response.data[-1024:]


def test_the_page_links_to_each_report(client, garden):
    page = client.get("/readiness?title=national_garden").get_data(as_text=True)

    assert f'href="{REPORT}?format=pdf"' in page
    assert f'href="{REPORT}?format=xlsx"' in page


def test_an_unknown_format_is_a_400_naming_the_formats(client, clean_db):
    response = client.get(f"{REPORT}?format=docx")

    assert response.status_code == 400
    assert "xlsx" in response.get_data(as_text=True)


def test_an_entry_is_shown_at_the_county_s_time(monkeypatch):
    from webmap.readiness import local_time

    monkeypatch.setenv("LIANCHUANG_TZ", "Asia/Shanghai")
    # 23:21 UTC is 07:21 the next morning in Xixiang (UTC+8)
    assert local_time("2026-12-07T23:21:05+00:00") == "2026-12-08 07:21"
