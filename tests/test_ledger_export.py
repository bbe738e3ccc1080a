"""Ledger export (GET /api/projects/export): the county's headings, and back in by import."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from layers.exchange.importer import import_paths
from layers.exchange.ledger_import import COLUMNS
from layers.storage.models import project_events, projects

pytest_plugins = ["tests.factories"]

HEADINGS = ["项目编号", "项目名称", "项目类别", "所属创建", "责任单位", "责任人", "状态",
            "进度(%)", "投资(万元)", "开工日期", "完成时限", "建设内容", "关联要素"]
#: A description with what CSV and spreadsheets trip on: a comma, quotes, a line break, "=".
TRICKY = '=SUM(A1) 一期，"含"绿道,\n二期另计'


@pytest.fixture
def ledger(city, clean_db, new_project) -> dict[str, int]:
    """The known city plus one project using every ledger column."""
    city["WS-001"] = new_project(
        "WS-001", "水源地界碑设置", status="approved", category="water_source",
        campaigns=("provincial_eco", "national_sanitary"), department="县环保局",
        progress=5, due_date=dt.date(2099, 6, 30),
        features=(("facilities", "f1"), ("road_segments", "r3")))
    with clean_db.begin() as conn:
        conn.execute(projects.update().where(projects.c.code == "WS-001").values(
            responsible="李明", budget_wan=Decimal("86.50"), start_date=dt.date(2024, 3, 1),
            description=TRICKY))
    return city


def _csv_rows(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # the BOM Excel and WPS need for UTF-8
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def _xlsx_rows(data: bytes) -> list[tuple]:
    sheet = load_workbook(io.BytesIO(data)).active
    return list(sheet.iter_rows(values_only=True))


def _snapshot(engine) -> list[dict]:
    """Every ledger field of every project, with its linked features (campaigns are a set:
    the export writes them in the catalogue's order)."""
    with engine.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT code, name, category, campaigns, department, responsible, status, progress,"
            " budget_wan, start_date, due_date, description,"
            " (SELECT array_agg(layer || ':' || fid ORDER BY layer, fid)"
            "  FROM project_features f WHERE f.project_id = p.id) AS features"
            " FROM projects p ORDER BY code")).mappings().all()
    return [{**row, "campaigns": sorted(row["campaigns"])} for row in rows]


def test_csv_has_the_county_headings_and_chinese_values(client, ledger):
    response = client.get("/api/projects/export?format=csv")

    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = _csv_rows(response.data)
    assert rows[0] == HEADINGS == [c.zh for c in COLUMNS]
    assert [r[0] for r in rows[1:]] == ["DL-001", "DL-002", "HW-001", "WS-001", "YL-001"]
    ws = dict(zip(HEADINGS, rows[4]))
    assert ws == {"项目编号": "WS-001", "项目名称": "水源地界碑设置", "项目类别": "水源地保护",
                  "所属创建": "国家卫生县城、省级生态县", "责任单位": "县环保局", "责任人": "李明",
                  "状态": "立项", "进度(%)": "5", "投资(万元)": "86.5", "开工日期": "2024-03-01",
                  "完成时限": "2099-06-30", "建设内容": "'" + TRICKY,
                  "关联要素": "facilities:f1;road_segments:r3"}


def test_xlsx_has_the_county_headings_typed_cells_and_text_never_a_formula(client, ledger):
    response = client.get("/api/projects/export?format=xlsx")

    assert response.status_code == 200
    assert response.mimetype == ("application/vnd.openxmlformats-officedocument"
                                 ".spreadsheetml.sheet")
    rows = _xlsx_rows(response.data)
    assert list(rows[0]) == HEADINGS
    ws = dict(zip(HEADINGS, next(r for r in rows if r[0] == "WS-001")))
    assert ws["项目名称"] == "水源地界碑设置" and ws["状态"] == "立项"
    assert ws["进度(%)"] == 5 and ws["投资(万元)"] == 86.5
    assert ws["开工日期"].date() == dt.date(2024, 3, 1)
    assert ws["建设内容"] == TRICKY
    sheet = load_workbook(io.BytesIO(response.data)).active
    description = next(row for row in sheet.iter_rows() if row[0].value == "WS-001")[11]
    assert description.data_type == "s"


def test_xlsx_is_the_default_format(client, ledger):
    assert client.get("/api/projects/export").mimetype.endswith(".sheet")


def test_export_keeps_only_the_filtered_projects(client, ledger):
    rows = _csv_rows(client.get("/api/projects/export?format=csv&department=交通局").data)

    assert [r[0] for r in rows[1:]] == ["DL-002"]


@pytest.mark.parametrize("file_format, name", [("csv", "projects.csv"),
                                               ("xlsx", "projects.xlsx")])
def test_exported_ledger_imports_back_as_the_same_projects(client, ledger, clean_db, tmp_path,
                                                           file_format, name):
    before = _snapshot(clean_db)
    path = tmp_path / name
    path.write_bytes(client.get(f"/api/projects/export?format={file_format}").data)
    with clean_db.begin() as conn:
        conn.execute(sa.text("TRUNCATE projects RESTART IDENTITY CASCADE"))

    import_paths(clean_db, [path])

    assert _snapshot(clean_db) == before
    with clean_db.connect() as conn:
        kinds = conn.execute(sa.select(project_events.c.kind).distinct()).scalars().all()
    assert kinds == ["import"]


def test_reimporting_an_unchanged_export_changes_no_project(client, ledger, clean_db, tmp_path):
    path = tmp_path / "projects.csv"
    path.write_bytes(client.get("/api/projects/export?format=csv").data)
    with clean_db.connect() as conn:
        versions = conn.execute(sa.text("SELECT code, version FROM projects ORDER BY code")).all()

    import_paths(clean_db, [path])

    with clean_db.connect() as conn:
        assert conn.execute(sa.text("SELECT code, version FROM projects ORDER BY code")).all() \
            == versions


@pytest.mark.parametrize("query", ["format=pdf", "format=", "format=CSV%00", "colour=red",
                                   "format=csv&status=bogus", "format=csv&overdue=maybe"])
def test_bad_export_request_is_400_in_the_error_shape(client, ledger, query):
    response = client.get(f"/api/projects/export?{query}")

    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["status"] == 400 and error["code"] == "bad_request" and error["message"]


def test_bad_format_names_the_formats(client, ledger):
    message = client.get("/api/projects/export?format=pdf").get_json()["error"]["message"]

    assert "xlsx" in message and "csv" in message and "pdf" in message


#: Cells Excel and WPS would run as formulas, and an apostrophe of the user's own.
FORMULA_LIKE = ["=HYPERLINK(\"http://x\",\"点击\")", "+86 0916", "-1 二期", "@SUM(A1)",
                "'已核"]


@pytest.fixture
def sparse_ledger(ledger, clean_db, new_project) -> dict[str, int]:
    """The ledger, plus projects with every optional cell empty or formula-like."""
    ledger["KB-000"] = new_project("KB-000", "空白项目", features=())
    with clean_db.begin() as conn:
        conn.execute(projects.update().where(projects.c.code == "KB-000").values(
            responsible=None, budget_wan=None, start_date=None, due_date=None,
            description=None))
    for n, text in enumerate(FORMULA_LIKE, start=1):
        code = f"KB-{n:03d}"
        ledger[code] = new_project(code, text.strip("'"), features=())
        with clean_db.begin() as conn:
            conn.execute(projects.update().where(projects.c.code == code).values(
                description=text, responsible=text))
    return ledger


def test_csv_cells_never_start_a_formula(client, sparse_ledger):
    rows = _csv_rows(client.get("/api/projects/export?format=csv").data)

    cells = [cell for row in rows[1:] for cell in row]
    assert not [c for c in cells if c[:1] in ("=", "+", "@", "\t", "\r")
                or (c.startswith("-") and not c[1:].replace(".", "").isdigit())]


@pytest.mark.parametrize("file_format, name", [("csv", "projects.csv"),
                                               ("xlsx", "projects.xlsx")])
def test_empty_and_formula_like_cells_round_trip(client, sparse_ledger, clean_db, tmp_path,
                                                 file_format, name):
    before = _snapshot(clean_db)
    assert any(row["features"] is None and row["budget_wan"] is None for row in before)
    path = tmp_path / name
    path.write_bytes(client.get(f"/api/projects/export?format={file_format}").data)
    with clean_db.begin() as conn:
        conn.execute(sa.text("TRUNCATE projects RESTART IDENTITY CASCADE"))

    report = import_paths(clean_db, [path])

    assert report.rejected == 0
    assert _snapshot(clean_db) == before


def test_a_control_character_stored_before_they_were_refused_does_not_break_the_workbook(
        client, clean_db, new_project):
    # An XLSX cell cannot hold one (openpyxl raised, a 500); the rest of the text stays.
    new_project("DL-077", "城南\x07路\x1b改造")

    response = client.get("/api/projects/export?format=xlsx")

    assert response.status_code == 200
    names = [row[1] for row in load_workbook(io.BytesIO(response.data)).active
             .iter_rows(min_row=2, values_only=True)]
    assert names == ["城南路改造"]
