"""Project ledger (台账) import from CSV and XLSX."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa

from layers.errors import ImportRefused, ValidationFailed
from layers.exchange.importer import import_paths
from tests.files import X0, ledger_row, park, square, write_layer, write_ledger


@pytest.fixture
def two_parks(clean_db, tmp_path):
    path = write_layer(tmp_path / "layers", "parks", [park("PK-01"), park("PK-02")],
                       [square(), square(X0 + 300)])
    import_paths(clean_db, [path])
    return clean_db


def _projects(engine) -> list[dict]:
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(sa.text(
            "SELECT code, name, category, campaigns, department, status, progress, budget_wan,"
            " start_date, due_date, version FROM projects ORDER BY code"))]


def _links(engine) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(
            "SELECT p.code, f.layer, f.fid FROM project_features f JOIN projects p"
            " ON p.id = f.project_id ORDER BY 1, 2, 3"))]


def _events(engine) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(
            "SELECT p.code, e.kind, e.status FROM project_events e JOIN projects p"
            " ON p.id = e.project_id ORDER BY e.id"))]


def test_csv_ledger_creates_projects_with_their_features_and_history(two_parks, tmp_path):
    path = write_ledger(tmp_path, [ledger_row("LC-001", "parks:PK-01;parks:PK-02")])

    import_paths(two_parks, [path])

    assert _projects(two_parks) == [{
        "code": "LC-001", "name": "城北带状公园建设", "category": "greening",
        "campaigns": ["national_garden", "provincial_eco_garden"], "department": "县住建局",
        "status": "in_progress", "progress": 60, "budget_wan": Decimal("1200.50"),
        "start_date": dt.date(2023, 3, 1), "due_date": dt.date(2025, 12, 31), "version": 1}]
    assert _links(two_parks) == [("LC-001", "parks", "PK-01"), ("LC-001", "parks", "PK-02")]
    assert _events(two_parks) == [("LC-001", "import", "in_progress")]


def test_xlsx_ledger_is_read_like_csv(two_parks, tmp_path):
    path = write_ledger(tmp_path, [ledger_row("LC-002", "parks:PK-01")], name="projects.xlsx")

    import_paths(two_parks, [path])

    assert [p["code"] for p in _projects(two_parks)] == ["LC-002"]
    assert _links(two_parks) == [("LC-002", "parks", "PK-01")]


def test_unknown_feature_ids_are_reported_and_nothing_is_written(two_parks, tmp_path):
    path = write_ledger(tmp_path, [ledger_row("LC-001", "parks:PK-01;parks:PK-99"),
                                   ledger_row("LC-002", "road_segments:RD-01")])

    with pytest.raises(ValidationFailed) as failure:
        import_paths(two_parks, [path])

    messages = sorted(p.message for p in failure.value.report.sources[-1].problems)
    assert messages == ["linked feature parks:PK-99 does not exist",
                        "linked feature road_segments:RD-01 does not exist"]
    assert _projects(two_parks) == []


def test_every_bad_cell_is_reported_with_its_row(two_parks, tmp_path):
    rows = [ledger_row("LC-001", **{"状态": "完成了", "进度(%)": "150"}),
            ledger_row("LC-002", **{"所属创建": "国家卫生县城、月球城市"}),
            ledger_row("LC-003", **{"开工日期": "2024-05-01", "完成时限": "2023-01-01"})]
    path = write_ledger(tmp_path, rows)

    with pytest.raises(ValidationFailed) as failure:
        import_paths(two_parks, [path])

    found = sorted((p.row, p.field) for p in failure.value.report.sources[-1].problems)
    assert found == [(2, "状态"), (2, "进度(%)"), (3, "所属创建"), (4, "完成时限")]


def test_duplicate_project_codes_are_rejected(two_parks, tmp_path):
    path = write_ledger(tmp_path, [ledger_row("LC-001"), ledger_row("LC-001")])

    with pytest.raises(ValidationFailed, match="rejected"):
        import_paths(two_parks, [path])


def test_missing_heading_is_refused_naming_the_headings(two_parks, tmp_path):
    path = tmp_path / "projects.csv"
    path.write_text("编号,名称\nLC-1,某项目\n", encoding="utf-8")

    with pytest.raises(ImportRefused, match="项目编号"):
        import_paths(two_parks, [path])


def test_reimporting_the_same_ledger_adds_no_event(two_parks, tmp_path):
    path = write_ledger(tmp_path, [ledger_row("LC-001", "parks:PK-01")])
    import_paths(two_parks, [path])

    report = import_paths(two_parks, [path])

    assert report.sources[0].unchanged == 1
    assert len(_events(two_parks)) == 1


def test_a_changed_row_updates_the_project_and_records_the_change(two_parks, tmp_path):
    import_paths(two_parks, [write_ledger(tmp_path, [ledger_row("LC-001", "parks:PK-01")])])

    changed = ledger_row("LC-001", "parks:PK-02", **{"状态": "完工", "进度(%)": "100"})
    import_paths(two_parks, [write_ledger(tmp_path / "v2", [changed])])

    project = _projects(two_parks)[0]
    assert (project["status"], project["progress"], project["version"]) == ("completed", 100, 2)
    assert _links(two_parks) == [("LC-001", "parks", "PK-02")]
    assert _events(two_parks)[-1] == ("LC-001", "import", "completed")
    with two_parks.connect() as conn:
        data = conn.scalar(sa.text("SELECT data FROM project_events ORDER BY id DESC LIMIT 1"))
    assert data["status"] == ["in_progress", "completed"]
    assert data["features"] == [["parks:PK-01"], ["parks:PK-02"]]


def test_gbk_csv_from_excel_is_read(two_parks, tmp_path):
    path = write_ledger(tmp_path, [ledger_row("LC-009")])
    path.write_bytes(path.read_text(encoding="utf-8-sig").encode("gbk"))

    import_paths(two_parks, [path])

    assert _projects(two_parks)[0]["department"] == "县住建局"
