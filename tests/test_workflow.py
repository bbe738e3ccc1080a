"""Project workflow: roles, status order, evidence, optimistic concurrency, history."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from geo.errors import Conflict, NotFound
from layers.errors import ValidationFailed
from layers.exchange.importer import import_paths
from layers.storage.models import attachments
from layers.tracking.accounts import (
    AccountError,
    Forbidden,
    NotAuthenticated,
    User,
    authenticate,
    create_user,
    issue_token,
    parse_lifetime,
    revoke_tokens,
)
from layers.tracking.projects import get_project
from layers.tracking.status_flow import allowed_transitions
from layers.tracking.workflow import (
    StaleVersion,
    WorkflowError,
    create_project,
    link_feature,
    update_project,
)
from tests.files import X0, ledger_row, park, square, write_layer, write_ledger


@pytest.fixture
def project(clean_db, tmp_path) -> int:
    """Project LC-001 of 县住建局, planned, linked to park PK-01 (PK-02 exists unlinked)."""
    parks = write_layer(tmp_path, "parks", [park("PK-01"), park("PK-02")],
                        [square(), square(X0 + 300)])
    ledger = write_ledger(tmp_path, [ledger_row("LC-001", "parks:PK-01",
                                                **{"状态": "规划", "进度(%)": "0"})])
    import_paths(clean_db, [parks, ledger])
    with clean_db.connect() as conn:
        return conn.scalar(sa.text("SELECT id FROM projects"))


def _user(engine, role: str, department: str | None = "县住建局", name: str | None = None) -> User:
    with engine.begin() as conn:
        return create_user(conn, name or f"{role}-{department}", f"{role}用户", role, department)


def _history(engine, project_id: int) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(
            "SELECT kind, status, progress FROM project_events WHERE project_id = :p ORDER BY id"),
            {"p": project_id})]


def test_planner_moves_a_project_one_stage_and_the_history_records_it(clean_db, project):
    planner = _user(clean_db, "planner")

    state = update_project(clean_db, project, planner, 1, {"status": "approved"})

    assert (state["status"], state["version"]) == ("approved", 2)
    assert _history(clean_db, project)[-1] == ("status", "approved", 0)
    assert state["history"][0]["actor"] == "planner用户（县住建局）"


def test_planned_cannot_jump_to_accepted(clean_db, project):
    planner = _user(clean_db, "planner")

    with pytest.raises(WorkflowError, match="next allowed: 立项 \\(approved\\)"):
        update_project(clean_db, project, planner, 1, {"status": "accepted", "note": "ok"})


def _advance_to_completed(engine, project, planner) -> int:
    version = 1
    for status in ("approved", "in_progress", "completed"):
        version = update_project(engine, project, planner, version, {"status": status})["version"]
    return version


def test_acceptance_needs_a_note_or_photo(clean_db, project):
    planner = _user(clean_db, "planner")
    version = _advance_to_completed(clean_db, project, planner)

    with pytest.raises(WorkflowError, match="evidence"):
        update_project(clean_db, project, planner, version, {"status": "accepted"})
    state = update_project(clean_db, project, planner, version,
                           {"status": "accepted", "note": "现场验收合格"})
    assert (state["status"], state["progress"]) == ("accepted", 100)


def test_suspended_project_resumes_where_it_stopped(clean_db, project):
    planner = _user(clean_db, "planner")
    v = update_project(clean_db, project, planner, 1, {"status": "approved"})["version"]
    v = update_project(clean_db, project, planner, v, {"status": "suspended", "note": "资金未到位"})["version"]

    with pytest.raises(WorkflowError, match="立项 \\(approved\\)"):
        update_project(clean_db, project, planner, v, {"status": "in_progress"})
    assert update_project(clean_db, project, planner, v, {"status": "approved"})["status"] == "approved"


def test_stale_version_gets_conflict_with_the_current_state(clean_db, project):
    planner = _user(clean_db, "planner")
    update_project(clean_db, project, planner, 1, {"progress": 10})

    with pytest.raises(StaleVersion) as conflict:
        update_project(clean_db, project, planner, 1, {"progress": 20})

    assert conflict.value.current["version"] == 2
    assert conflict.value.current["progress"] == 10
    assert [kind for kind, *_ in _history(clean_db, project)] == ["import", "progress"]


def test_planner_of_another_department_is_forbidden(clean_db, project):
    other = _user(clean_db, "planner", "县水利局")

    with pytest.raises(Forbidden, match="县住建局"):
        update_project(clean_db, project, other, 1, {"progress": 5})


def test_admin_edits_any_department(clean_db, project):
    admin = _user(clean_db, "admin", None)

    assert update_project(clean_db, project, admin, 1, {"progress": 5})["progress"] == 5


def test_inspector_adds_notes_but_does_not_change_status(clean_db, project):
    inspector = _user(clean_db, "inspector", None)

    state = update_project(clean_db, project, inspector, 1, {"note": "现场未见施工"})
    assert state["history"][0]["note"] == "现场未见施工"
    with pytest.raises(Forbidden):
        update_project(clean_db, project, inspector, state["version"], {"status": "approved"})


def test_no_token_is_not_authenticated(clean_db, project):
    with pytest.raises(NotAuthenticated):
        update_project(clean_db, project, None, 1, {"progress": 5})


def test_linking_and_unlinking_features_are_events(clean_db, project):
    planner = _user(clean_db, "planner")

    state = link_feature(clean_db, project, planner, 1, "parks", "PK-02")
    assert {f["fid"] for f in state["features"]} == {"PK-01", "PK-02"}
    state = link_feature(clean_db, project, planner, state["version"], "parks", "PK-01",
                         unlink=True)
    assert [f["fid"] for f in state["features"]] == ["PK-02"]
    assert [k for k, *_ in _history(clean_db, project)] == ["import", "link", "unlink"]


def test_tokens_are_stored_hashed_and_authenticate_their_user(clean_db):
    with clean_db.begin() as conn:
        create_user(conn, "wang", "王督查", "inspector")
        token = issue_token(conn, "wang")
        stored = conn.scalar(sa.text("SELECT token_hash FROM api_tokens"))
        user = authenticate(conn, token)
    assert token not in stored and len(stored) == 64
    assert user.username == "wang"
    with pytest.raises(NotAuthenticated), clean_db.begin() as conn:
        authenticate(conn, token + "x")


#: Every allowed move, written out by hand from DESIGN.md's workflow.
ALLOWED = {("planned", "approved"), ("planned", "suspended"),
           ("approved", "in_progress"), ("approved", "suspended"),
           ("in_progress", "completed"), ("in_progress", "suspended"),
           ("completed", "accepted"), ("completed", "in_progress")}
STAGES = ("planned", "approved", "in_progress", "completed", "accepted")


@pytest.mark.parametrize("source", STAGES)
@pytest.mark.parametrize("target", (*STAGES, "suspended"))
def test_every_transition_is_allowed_or_refused_as_the_workflow_says(source, target):
    assert (target in allowed_transitions(source)) == ((source, target) in ALLOWED)


@pytest.mark.parametrize("left", ("planned", "approved", "in_progress"))
def test_a_suspended_project_resumes_only_to_the_stage_it_left(left):
    assert allowed_transitions("suspended", left) == {left}


def test_the_project_record_offers_the_stage_a_suspension_left(clean_db, project):
    planner = _user(clean_db, "planner")
    v = update_project(clean_db, project, planner, 1, {"status": "approved"})["version"]
    v = update_project(clean_db, project, planner, v, {"status": "in_progress"})["version"]

    state = update_project(clean_db, project, planner, v, {"status": "suspended"})

    assert state["next_statuses"] == ["in_progress"]


def test_a_project_imported_as_suspended_may_resume_to_any_stage_before_completion(clean_db,
                                                                                 tmp_path):
    ledger = write_ledger(tmp_path, [ledger_row("LC-009", **{"状态": "暂停", "进度(%)": "30"})])
    import_paths(clean_db, [ledger])
    with clean_db.connect() as conn:
        project_id = conn.scalar(sa.text("SELECT id FROM projects"))
    planner = _user(clean_db, "planner")

    assert get_project(clean_db, project_id)["next_statuses"] == ["planned", "approved",
                                                                  "in_progress"]
    state = update_project(clean_db, project_id, planner, 1, {"status": "in_progress"})
    assert (state["status"], state["progress"]) == ("in_progress", 30)


def test_a_note_at_a_stale_version_is_refused_too(clean_db, project):
    planner = _user(clean_db, "planner")
    update_project(clean_db, project, planner, 1, {"progress": 10})

    with pytest.raises(StaleVersion):
        update_project(clean_db, project, planner, 1, {"note": "现场已放线"})

    assert [kind for kind, *_ in _history(clean_db, project)] == ["import", "progress"]


def test_a_revoked_token_no_longer_authenticates(clean_db):
    with clean_db.begin() as conn:
        create_user(conn, "wang", "王督查", "inspector")
        token = issue_token(conn, "wang")
        revoke_tokens(conn, "wang")

    with clean_db.connect() as conn, pytest.raises(NotAuthenticated, match="revoked"):
        authenticate(conn, token)


def test_a_token_stops_working_when_it_expires(clean_db):
    with clean_db.begin() as conn:
        create_user(conn, "wang", "王督查", "inspector")
        token = issue_token(conn, "wang", lifetime=parse_lifetime("1h"))

    with clean_db.begin() as conn:
        assert authenticate(conn, token).username == "wang"
        assert conn.scalar(sa.text("SELECT expires_at - created_at FROM api_tokens")) == \
            dt.timedelta(hours=1)
        conn.execute(sa.text("UPDATE api_tokens SET expires_at = now() - interval '1 second'"))
        with pytest.raises(NotAuthenticated, match="expired on"):
            authenticate(conn, token)


def test_a_new_token_works_for_90_days_unless_configured(clean_db, monkeypatch):
    monkeypatch.delenv("LIANCHUANG_TOKEN_DAYS", raising=False)
    with clean_db.begin() as conn:
        create_user(conn, "wang", "王督查", "inspector")
        issue_token(conn, "wang")
        monkeypatch.setenv("LIANCHUANG_TOKEN_DAYS", "0")
        issue_token(conn, "wang")
        lifetimes = conn.execute(sa.text(
            "SELECT expires_at - created_at FROM api_tokens ORDER BY id")).scalars().all()

    assert lifetimes == [dt.timedelta(days=90), None]


@pytest.mark.parametrize("text, expected", [("90d", dt.timedelta(days=90)),
                                            ("12h", dt.timedelta(hours=12)),
                                            ("never", None), ("0d", None)])
def test_token_lifetimes_read_as_a_person_writes_them(text, expected):
    assert parse_lifetime(text) == expected


@pytest.mark.parametrize("text", ["90", "3 weeks", "-1d", "1y"])
def test_a_lifetime_that_is_not_one_says_how_to_write_it(text):
    with pytest.raises(AccountError, match="90d, 12h"):
        parse_lifetime(text)


@pytest.mark.parametrize("changes, word", [
    ({"note": "现场\x07未见施工"}, r"U\+0007 at position 3"),
    ({"note": "a\x00b"}, "NUL"),
    ({"note": 5}, "must be text"),
    ({"responsible": "张\x1b三"}, r"责任人.*U\+001B"),
])
def test_text_with_a_control_character_is_refused_naming_it(clean_db, project, changes, word):
    admin = _user(clean_db, "admin", None)
    before = _history(clean_db, project)

    with pytest.raises(WorkflowError, match=word):
        update_project(clean_db, project, admin, 1, changes)
    assert _history(clean_db, project) == before  # nothing written


def test_a_ledger_row_with_a_control_character_is_refused_with_its_code(clean_db, tmp_path):
    ledger = write_ledger(tmp_path, [ledger_row("LC-009", "", **{"项目名称": "城南\x0c路"})])

    with pytest.raises(ValidationFailed) as failure:
        import_paths(clean_db, [ledger])

    problems = [(p.feature, p.message) for source in failure.value.report.sources
                for p in source.problems]
    assert any(feature == "LC-009" and "U+000C" in message for feature, message in problems)


# Found by mutation testing (docs/mutation.md).

def test_a_planned_project_may_move_on_or_be_suspended(clean_db, project):
    assert get_project(clean_db, project)["next_statuses"] == ["approved", "suspended"]


def test_a_suspension_resumes_from_the_projects_own_history_not_anothers(clean_db, project):
    planner = _user(clean_db, "planner")
    v = update_project(clean_db, project, planner, 1, {"status": "approved"})["version"]
    update_project(clean_db, project, planner, v, {"status": "suspended"})
    create_project(clean_db, planner, {"code": "LC-002", "name": "另一项目", "category": "road",
                                       "campaigns": ["国家卫生县城"], "department": "县住建局",
                                       "status": "in_progress"})

    assert get_project(clean_db, project)["next_statuses"] == ["approved"]


def _another_project(engine, planner, code: str = "LC-002", **values) -> dict:
    return create_project(engine, planner, {"code": code, "name": "另一项目", "category": "road",
                                            "campaigns": ["国家卫生县城"], "department": "县住建局",
                                            **values})


def test_linking_a_feature_moves_that_projects_version_and_time_on_and_no_others(clean_db, project):
    planner = _user(clean_db, "planner")
    other = _another_project(clean_db, planner)["id"]

    imported = get_project(clean_db, project)["updated_at"]

    linked = link_feature(clean_db, project, planner, 1, "parks", "PK-02")
    unlinked = link_feature(clean_db, project, planner, 2, "parks", "PK-01", unlink=True)

    assert (linked["version"], unlinked["version"]) == (2, 3)
    assert imported < linked["updated_at"] < unlinked["updated_at"]
    assert get_project(clean_db, other)["version"] == 1


def test_a_link_at_a_stale_version_is_refused_with_the_current_state(clean_db, project):
    planner = _user(clean_db, "planner")
    link_feature(clean_db, project, planner, 1, "parks", "PK-02")

    with pytest.raises(StaleVersion, match=(
            "^project LC-001 is at version 2, not 1: someone changed it since you read it; "
            "reload, re-apply your change and retry$")) as conflict:
        link_feature(clean_db, project, planner, 1, "parks", "PK-01", unlink=True)

    assert conflict.value.current["version"] == 2
    assert {f["fid"] for f in conflict.value.current["features"]} == {"PK-01", "PK-02"}


def test_a_link_event_names_the_feature_and_keeps_the_projects_stage(clean_db, project):
    planner = _user(clean_db, "planner")
    v = update_project(clean_db, project, planner, 1,
                       {"status": "approved", "progress": 5})["version"]
    v = link_feature(clean_db, project, planner, v, "parks", "PK-02")["version"]

    state = link_feature(clean_db, project, planner, v, "parks", "PK-01", unlink=True)

    assert [(e["kind"], e["status"], e["progress"], e["data"], e["actor"])
            for e in state["history"][:2]] == [
        ("unlink", "approved", 5, {"feature": "parks:PK-01"}, "planner用户（县住建局）"),
        ("link", "approved", 5, {"feature": "parks:PK-02"}, "planner用户（县住建局）")]


def test_a_link_that_cannot_be_made_or_undone_names_the_feature(clean_db, project):
    planner = _user(clean_db, "planner")

    with pytest.raises(NotFound, match="'PK-99' in layer parks"):
        link_feature(clean_db, project, planner, 1, "parks", "PK-99")
    with pytest.raises(WorkflowError, match=f"project {project} is already linked to parks:PK-01"):
        link_feature(clean_db, project, planner, 1, "parks", "PK-01")
    with pytest.raises(NotFound, match=f"project {project} is not linked to parks:PK-02"):
        link_feature(clean_db, project, planner, 1, "parks", "PK-02", unlink=True)
    assert [kind for kind, *_ in _history(clean_db, project)] == ["import"]


def test_a_new_project_starts_planned_at_zero_and_its_first_event_records_its_values(clean_db):
    planner = _user(clean_db, "planner")

    state = _another_project(clean_db, planner, start_date="2026-03-01", budget_wan=12.5)

    assert (state["status"], state["progress"], state["version"]) == ("planned", 0, 1)
    [event] = state["history"]
    assert (event["kind"], event["status"], event["progress"], event["actor"]) == (
        "create", "planned", 0, "planner用户（县住建局）")
    assert {k: event["data"][k] for k in ("code", "department", "start_date", "budget_wan")} == {
        "code": [None, "LC-002"], "department": [None, "县住建局"],
        "start_date": [None, "2026-03-01"], "budget_wan": [None, 12.5]}


def test_a_project_code_that_exists_already_is_a_conflict_naming_it(clean_db, project):
    planner = _user(clean_db, "planner")
    _another_project(clean_db, planner, "LC-002")

    with pytest.raises(Conflict, match="'LC-001'"):
        _another_project(clean_db, planner, "LC-001")


def test_a_refused_move_lists_every_stage_that_may_follow(clean_db, project):
    planner = _user(clean_db, "planner")
    v = update_project(clean_db, project, planner, 1, {"status": "approved"})["version"]
    v = update_project(clean_db, project, planner, v, {"status": "in_progress"})["version"]

    with pytest.raises(WorkflowError,
                       match=r"next allowed: 完工 \(completed\), 暂停 \(suspended\)$"):
        update_project(clean_db, project, planner, v, {"status": "accepted", "note": "ok"})


def test_an_accepted_project_is_final(clean_db, project):
    planner = _user(clean_db, "planner")
    v = _advance_to_completed(clean_db, project, planner)
    v = update_project(clean_db, project, planner, v,
                       {"status": "accepted", "note": "合格"})["version"]

    with pytest.raises(WorkflowError, match="next allowed: none, it is final$"):
        update_project(clean_db, project, planner, v, {"status": "in_progress"})


def test_a_photo_alone_is_evidence_enough_for_acceptance(clean_db, project):
    planner = _user(clean_db, "planner")
    v = _advance_to_completed(clean_db, project, planner)
    _uploaded_photo(clean_db, "a1b2c3")

    with pytest.raises(WorkflowError,
                       match=r"^acceptance \(验收\) needs evidence: add a note or a photo$"):
        update_project(clean_db, project, planner, v, {"status": "accepted", "note": "  "})
    state = update_project(clean_db, project, planner, v,
                           {"status": "accepted", "photo_id": "a1b2c3"})

    assert state["status"] == "accepted"
    assert (state["history"][0]["kind"], state["history"][0]["photo_id"]) == ("status", "a1b2c3")


def test_a_value_that_cannot_be_read_is_refused_naming_the_field_and_why(clean_db, project):
    admin = _user(clean_db, "admin", None)

    with pytest.raises(WorkflowError,
                       match=r"^progress \(进度\(%\)\): '12.5' is not a whole number$"):
        update_project(clean_db, project, admin, 1, {"progress": "12.5"})
    with pytest.raises(WorkflowError, match=r"U\+001B.*; is 62 characters long, more than 50$"):
        update_project(clean_db, project, admin, 1, {"responsible": "张\x1b" + "三" * 60})
    assert [kind for kind, *_ in _history(clean_db, project)] == ["import"]


@pytest.mark.parametrize("campaigns", [["国家园林县城", "省级生态县"], "国家园林县城、省级生态县"])
def test_campaigns_are_changed_from_a_list_or_from_text(clean_db, project, campaigns):
    admin = _user(clean_db, "admin", None)

    state = update_project(clean_db, project, admin, 1, {"campaigns": campaigns})

    assert state["campaigns"] == ["national_garden", "provincial_eco"]


def _uploaded_photo(engine, photo_id: str) -> None:
    with engine.begin() as conn:
        conn.execute(attachments.insert(), {"id": photo_id, "content_type": "image/jpeg",
                                            "size": 1024, "sha256": "ab" * 32})


def test_each_change_is_recorded_as_its_kind_of_event(clean_db, project):
    admin = _user(clean_db, "admin", None)
    inspector = _user(clean_db, "inspector", None)
    _uploaded_photo(clean_db, "a1b2c3")

    v = update_project(clean_db, project, admin, 1, {"name": "城北公园"})["version"]
    v = update_project(clean_db, project, inspector, v, {"note": "现场已放线"})["version"]
    state = update_project(clean_db, project, inspector, v, {"photo_id": "a1b2c3"})

    assert [(e["kind"], e["data"]) for e in state["history"][:3]] == [
        ("photo", {}), ("note", {}), ("edit", {"name": ["城北带状公园建设", "城北公园"]})]


def test_a_photo_that_was_never_uploaded_is_not_found(clean_db, project):
    inspector = _user(clean_db, "inspector", None)
    _uploaded_photo(clean_db, "a1b2c3")

    with pytest.raises(NotFound, match="no uploaded photo 'zz9'"):
        update_project(clean_db, project, inspector, 1, {"photo_id": "zz9", "note": "现场"})
    assert update_project(clean_db, project, inspector, 1, {"photo_id": "a1b2c3"})["version"] == 2


def test_a_field_that_cannot_be_changed_is_refused_listing_those_that_can(clean_db, project):
    admin = _user(clean_db, "admin", None)

    with pytest.raises(WorkflowError, match=(
            r"^cannot change code, colour; changeable fields: status, progress, note, photo_id, "
            r"name, category, campaigns, department, responsible, budget_wan, start_date, "
            r"due_date, description$")):
        update_project(clean_db, project, admin, 1, {"colour": "red", "code": "LC-9", "note": "x"})
    with pytest.raises(WorkflowError, match="^note must be text$"):
        update_project(clean_db, project, admin, 1, {"note": ["现场"]})
    assert [kind for kind, *_ in _history(clean_db, project)] == ["import"]


def test_the_progress_a_project_has_already_is_no_change(clean_db, project):
    planner = _user(clean_db, "planner")

    with pytest.raises(WorkflowError, match="^nothing to change: give status, progress, a note "
                                            "or a photo$"):
        update_project(clean_db, project, planner, 1, {"progress": 0})
    state = update_project(clean_db, project, planner, 1, {"progress": 0, "note": "未开工"})

    assert (state["history"][0]["kind"], state["history"][0]["data"]) == ("note", {})


def test_completion_sets_the_progress_to_100(clean_db, project):
    planner = _user(clean_db, "planner")
    v = update_project(clean_db, project, planner, 1, {"status": "approved"})["version"]
    v = update_project(clean_db, project, planner, v,
                       {"status": "in_progress", "progress": 80})["version"]

    assert update_project(clean_db, project, planner, v, {"status": "completed"})["progress"] == 100


def test_acceptance_sets_the_progress_to_100_when_the_ledger_said_less(clean_db, tmp_path):
    ledger = write_ledger(tmp_path, [ledger_row("LC-009", **{"状态": "完工", "进度(%)": "90"})])
    import_paths(clean_db, [ledger])
    with clean_db.connect() as conn:
        project_id = conn.scalar(sa.text("SELECT id FROM projects"))
    planner = _user(clean_db, "planner")

    state = update_project(clean_db, project_id, planner, 1, {"status": "accepted", "note": "合格"})

    assert (state["status"], state["progress"]) == ("accepted", 100)


def test_an_inspector_of_the_projects_own_department_still_cannot_change_its_status(clean_db,
                                                                                   project):
    inspector = _user(clean_db, "inspector", "县住建局")

    with pytest.raises(Forbidden, match="needs at least planner"):
        update_project(clean_db, project, inspector, 1, {"status": "approved"})


def test_a_change_moves_the_projects_updated_time_on(clean_db, project):
    planner = _user(clean_db, "planner")
    imported = get_project(clean_db, project)["updated_at"]

    assert update_project(clean_db, project, planner, 1, {"progress": 5})["updated_at"] > imported


def test_every_event_records_the_status_and_progress_the_project_has_after_it(clean_db, project):
    planner = _user(clean_db, "planner")
    v = update_project(clean_db, project, planner, 1,
                       {"status": "approved", "progress": 5})["version"]
    v = update_project(clean_db, project, planner, v, {"note": "资金到位"})["version"]
    v = update_project(clean_db, project, planner, v, {"status": "in_progress"})["version"]
    update_project(clean_db, project, planner, v, {"status": "completed"})

    assert _history(clean_db, project)[1:] == [
        ("status", "approved", 5), ("note", "approved", 5), ("status", "in_progress", 5),
        ("status", "completed", 100)]


def test_a_project_that_does_not_exist_is_not_found_saying_where_to_list_them(clean_db):
    planner = _user(clean_db, "planner")

    with pytest.raises(NotFound, match="^no project with id 999; list them at /api/projects$"):
        update_project(clean_db, 999, planner, 1, {"progress": 5})
