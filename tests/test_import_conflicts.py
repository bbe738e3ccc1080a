"""A re-import never silently undoes what was changed in the service since the last import,
and the sample is loaded into an empty database only (so a restart keeps planners' work)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from layers.errors import ValidationFailed
from layers.exchange.importer import ImportOptions, import_into_empty, import_paths
from layers.storage.models import filled_tables
from layers.tracking.accounts import create_user
from layers.tracking.workflow import link_feature, update_project
from tests.conftest import SAMPLE
from tests.files import X0, ledger_row, park, square, write_layer, write_ledger
from tests.test_cli import _run


@pytest.fixture
def imported(clean_db, tmp_path):
    """LC-001, planned at 0 %, linked to park PK-01, imported from a ledger file."""
    parks = write_layer(tmp_path, "parks", [park("PK-01"), park("PK-02")],
                        [square(), square(X0 + 300)])
    ledger = write_ledger(tmp_path, [ledger_row("LC-001", "parks:PK-01",
                                                **{"状态": "规划", "进度(%)": "0"})])
    import_paths(clean_db, [parks, ledger])
    with clean_db.begin() as conn:
        planner = create_user(conn, "zhang", "张规划", "planner", "县住建局")
        project_id = conn.scalar(sa.text("SELECT id FROM projects"))
    return {"ledger": ledger, "planner": planner, "id": project_id, "tmp": tmp_path}


def _state(engine) -> tuple:
    with engine.connect() as conn:
        return tuple(conn.execute(sa.text("SELECT status, progress, version FROM projects")).one())


def test_a_status_changed_on_the_map_is_a_conflict_naming_both_values_and_who(clean_db,
                                                                             imported):
    update_project(clean_db, imported["id"], imported["planner"], 1, {"status": "approved"})

    with pytest.raises(ValidationFailed) as failure:
        import_paths(clean_db, [imported["ledger"]])

    [conflict] = [p for p in failure.value.report.sources[0].problems if p.action == "conflict"]
    assert (conflict.feature, conflict.field) == ("LC-001", "状态")
    assert conflict.message.startswith("file 'planned', live 'approved', changed in the "
                                       "service by 张规划（县住建局） at ")
    assert _state(clean_db) == ("approved", 0, 2)
    assert "--overwrite" in failure.value.report.to_text()


def test_overwrite_replaces_the_service_value_with_the_file_value(clean_db, imported):
    update_project(clean_db, imported["id"], imported["planner"], 1, {"status": "approved"})

    report = import_paths(clean_db, [imported["ledger"]], ImportOptions(overwrite=True))

    assert report.committed and report.sources[0].updated == 1
    assert _state(clean_db)[:2] == ("planned", 0)


def test_a_field_the_file_leaves_as_it_is_live_is_no_conflict(clean_db, imported, tmp_path):
    update_project(clean_db, imported["id"], imported["planner"], 1, {"progress": 10})
    newer = write_ledger(tmp_path / "newer", [ledger_row(
        "LC-001", "parks:PK-01", **{"状态": "规划", "进度(%)": "10", "责任人": "李四"})])

    report = import_paths(clean_db, [newer])

    assert report.committed and report.conflicts == 0
    assert _state(clean_db)[:2] == ("planned", 10)


def test_a_note_in_the_service_is_no_conflict(clean_db, imported):
    update_project(clean_db, imported["id"], imported["planner"], 1, {"note": "现场已放线"})

    report = import_paths(clean_db, [imported["ledger"]])

    assert report.committed and report.sources[0].unchanged == 1


def test_a_link_made_in_the_service_conflicts_with_the_file_links(clean_db, imported):
    link_feature(clean_db, imported["id"], imported["planner"], 1, "parks", "PK-02")

    with pytest.raises(ValidationFailed) as failure:
        import_paths(clean_db, [imported["ledger"]])

    assert [p.field for p in failure.value.report.sources[0].problems] == ["关联要素"]


def test_a_dry_run_shows_the_conflicts_and_writes_nothing(clean_db, imported):
    update_project(clean_db, imported["id"], imported["planner"], 1, {"status": "approved"})

    with pytest.raises(ValidationFailed) as failure:
        import_paths(clean_db, [imported["ledger"]], ImportOptions(dry_run=True))

    assert failure.value.report.conflicts == 1
    assert _state(clean_db) == ("approved", 0, 2)


def test_the_cli_lists_the_conflict_and_exits_1_then_overwrites(clean_db, database_url,
                                                                imported):
    update_project(clean_db, imported["id"], imported["planner"], 1, {"status": "approved"})

    refused = _run(database_url, "import", str(imported["ledger"]))
    forced = _run(database_url, "import", "--overwrite", str(imported["ledger"]))

    assert refused.returncode == 1
    assert "conflict: id LC-001 / row 2 / 状态: file 'planned', live 'approved'" in refused.stderr
    assert forced.returncode == 0, forced.stderr
    assert _state(clean_db)[0] == "planned"


def test_the_sample_loads_into_an_empty_database_only(clean_db):
    first = import_into_empty(clean_db, [SAMPLE])
    with clean_db.begin() as conn:
        conn.execute(sa.text("UPDATE projects SET status = 'in_progress' WHERE id = 1"))

    second = import_into_empty(clean_db, [SAMPLE])

    assert first.committed and first.sources
    assert second is None
    with clean_db.connect() as conn:
        assert conn.scalar(sa.text("SELECT status FROM projects WHERE id = 1")) == "in_progress"


def test_db_seed_says_it_left_a_filled_database_alone(clean_db, database_url, imported):
    done = _run(database_url, "db", "seed", str(SAMPLE))

    assert done.returncode == 0
    assert "already holds data" in done.stdout
    with clean_db.connect() as conn:
        assert conn.scalar(sa.text("SELECT count(*) FROM projects")) == 1


# Found by mutation testing (docs/mutation.md).

def test_a_database_holding_projects_but_no_feature_is_not_empty(clean_db, tmp_path):
    import_paths(clean_db, [write_ledger(tmp_path, [ledger_row("LC-001")])])

    assert import_into_empty(clean_db, [SAMPLE]) is None
    with clean_db.connect() as conn:
        assert conn.scalar(sa.text("SELECT count(*) FROM projects")) == 1


def test_loading_into_an_empty_database_takes_the_options_given(clean_db):
    report = import_into_empty(clean_db, [SAMPLE], ImportOptions(dry_run=True))

    assert report.sources and not report.committed
    with clean_db.connect() as conn:
        assert filled_tables(conn) == []
