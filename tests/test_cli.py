"""The ``lianchuang`` command as a user runs it: exit codes and messages, no tracebacks."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import sqlalchemy as sa

from layers.tracking.accounts import authenticate
from tests.files import bowtie, park, square, write_layer


def _run(database_url: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": database_url}
    return subprocess.run([sys.executable, "-m", "api.cli", *args], capture_output=True,
                          text=True, env=env, timeout=120)


def test_import_prints_a_summary_and_exits_0(clean_db, database_url, tmp_path):
    path = write_layer(tmp_path, "parks", [park("P1"), park("P2")], [square(), bowtie()])

    done = _run(database_url, "import", str(path))

    assert done.returncode == 0, done.stderr
    assert "read 2, inserted 2, updated 0, unchanged 0, repaired 1, rejected 0" in done.stdout
    assert "committed" in done.stdout


def test_import_json_report(clean_db, database_url, tmp_path):
    path = write_layer(tmp_path, "parks", [park("P1")], [square()])

    done = _run(database_url, "import", "--json", str(path))

    assert json.loads(done.stdout)["sources"][0]["inserted"] == 1


def test_missing_prj_exits_2_with_one_line_naming_crs(clean_db, database_url, tmp_path):
    path = write_layer(tmp_path, "parks", [park("P1")], [square()], crs=None)

    done = _run(database_url, "import", str(path))

    assert done.returncode == 2
    assert done.stderr.startswith("error: parks.shp has no CRS") and "--crs" in done.stderr
    assert "Traceback" not in done.stderr


def test_rejected_features_exit_1_with_the_report(clean_db, database_url, tmp_path):
    path = write_layer(tmp_path, "parks", [park("P1", park_class="G99")], [square()])

    done = _run(database_url, "import", str(path))

    assert done.returncode == 1
    assert "rejected: id P1 / row 1 / park_class" in done.stderr
    assert "NOT imported" in done.stderr


def test_missing_file_is_a_clear_error(database_url, tmp_path):
    done = _run(database_url, "import", str(tmp_path / "nope.shp"))

    assert done.returncode == 2 and "no such file" in done.stderr


def test_unreachable_database_is_a_clear_error(tmp_path):
    path = write_layer(tmp_path, "parks", [park("P1")], [square()])

    done = _run("postgresql://nobody@127.0.0.1:1/none", "import", str(path))

    assert done.returncode == 2
    assert "cannot reach the database" in done.stderr and "Traceback" not in done.stderr


def test_user_add_prints_a_token_that_authenticates(clean_db, database_url):
    done = _run(database_url, "user", "add", "zhang", "--role", "planner",
                "--department", "县住建局", "--name", "张规划")

    assert done.returncode == 0, done.stderr
    token = done.stdout.strip()
    with clean_db.begin() as conn:
        assert authenticate(conn, token).department == "县住建局"


@pytest.mark.parametrize("expires, lifetime", [("12h", "12:00:00"), ("never", None)])
def test_user_add_sets_how_long_the_token_works(clean_db, database_url, expires, lifetime):
    done = _run(database_url, "user", "add", "li", "--role", "inspector", "--expires", expires)

    assert done.returncode == 0, done.stderr
    with clean_db.connect() as conn:
        assert conn.scalar(sa.text("SELECT (expires_at - created_at)::text FROM api_tokens")) \
            == lifetime


def test_a_lifetime_that_is_not_one_exits_2_saying_how(clean_db, database_url):
    done = _run(database_url, "user", "add", "li", "--role", "inspector", "--expires", "3w")

    assert done.returncode == 2 and "90d, 12h" in done.stderr
    with clean_db.connect() as conn:
        assert conn.scalar(sa.text("SELECT count(*) FROM users")) == 0


def test_planner_without_department_is_refused(clean_db, database_url):
    done = _run(database_url, "user", "add", "zhao", "--role", "planner")

    assert done.returncode == 2 and "needs a department" in done.stderr


def test_export_backup_and_restore_commands(clean_db, database_url, tmp_path):
    path = write_layer(tmp_path / "in", "parks", [park("P1", "人民公园")], [square()])
    assert _run(database_url, "import", str(path)).returncode == 0

    exported = _run(database_url, "export", "parks", "--format", "shp", "--encoding", "gbk",
                    "-o", str(tmp_path / "out"))
    backup = _run(database_url, "db", "backup", str(tmp_path / "all.gpkg"))
    refused = _run(database_url, "db", "restore", str(tmp_path / "all.gpkg"))

    assert exported.returncode == 0, exported.stderr
    assert exported.stdout.strip().endswith(".zip")
    assert backup.returncode == 0 and "backed up" in backup.stdout
    assert refused.returncode == 2 and "empty" in refused.stderr


def test_revoking_the_tokens_of_nobody_says_so_and_exits_2(clean_db, database_url):
    done = _run(database_url, "user", "revoke", "nobody")

    assert done.returncode == 2 and "no user 'nobody'" in done.stderr


def test_a_command_on_a_database_behind_the_code_says_to_run_db_init(clean_db, database_url):
    # An upgrade of the code without `lianchuang db init`: a column of a newer migration is
    # missing (as users.password_hash was).  A traceback before; now one line saying what
    # to run.
    with clean_db.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE api_tokens RENAME COLUMN expires_at TO expires_x")
    try:
        done = _run(database_url, "user", "add", "li", "--role", "inspector")
    finally:
        with clean_db.begin() as conn:
            conn.exec_driver_sql("ALTER TABLE api_tokens RENAME COLUMN expires_x TO expires_at")

    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert "run `lianchuang db init`" in done.stderr


def test_case_duties_are_given_and_changed_from_the_command_line(clean_db, database_url):
    done = _run(database_url, "user", "add", "wang", "--role", "inspector", "--department",
                "县城市管理局", "--duty", "handler", "--duty", "supervisor", "--no-token")
    assert done.returncode == 0, done.stderr
    with clean_db.connect() as conn:
        assert conn.scalar(sa.text("SELECT duties FROM users")) == ["handler", "supervisor"]
    done = _run(database_url, "user", "duties", "wang", "dispatcher")
    assert done.returncode == 0 and "wang: dispatcher" in done.stderr
    refused = _run(database_url, "user", "add", "li", "--role", "inspector", "--duty",
                   "handler", "--no-token")
    assert refused.returncode == 2 and "a handler needs a department" in refused.stderr
    unknown = _run(database_url, "user", "duties", "wang", "boss")
    assert unknown.returncode == 2 and "unknown duty 'boss'" in unknown.stderr
    nobody = _run(database_url, "user", "duties", "nobody", "leader")
    assert nobody.returncode == 2 and "no user 'nobody'" in nobody.stderr
    with clean_db.connect() as conn:
        assert conn.scalar(sa.text("SELECT duties FROM users WHERE username = 'wang'")) == [
            "dispatcher"]


def test_cases_escalate_says_how_many(clean_db, database_url):
    done = _run(database_url, "cases", "escalate")
    assert done.returncode == 0 and "escalated 0 case(s)" in done.stderr
