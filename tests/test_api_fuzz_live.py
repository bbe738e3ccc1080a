"""Schemathesis' own command line against the service over real HTTP: its coverage phase
(boundary and wrong-type values for every parameter and body field, which the in-process
fuzz of tests/test_api_fuzz.py does not generate) as an admin, and no answer may be a 5xx.
Deterministic (the coverage phase enumerates, seeded), about a minute."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from layers.tracking.accounts import create_user, issue_token

pytest_plugins = ["tests.factories"]

ST = Path(sys.executable).with_name("st")


def test_the_coverage_phase_finds_no_server_error(live_server, city, clean_db, tmp_path,
                                                   monkeypatch):
    monkeypatch.setenv("LIANCHUANG_UPLOADS", str(tmp_path))
    with clean_db.begin() as conn:
        create_user(conn, "fuzz", "fuzz", "admin")
        token = issue_token(conn, "fuzz")

    run = subprocess.run(
        [str(ST), "run", f"{live_server}/api/openapi.json", "--phases", "coverage",
         "--checks", "not_a_server_error", "--seed", "20261130", "--workers", "1",
         "--header", f"Authorization: Bearer {token}",
         # route searches are fuzzed by tests/test_api_routes_fuzz.py; /static is files
         "--exclude-path-regex", "^/(api/routes|static)/"],
        capture_output=True, text=True, timeout=600, cwd=tmp_path)

    summary = run.stdout[-3000:]
    assert run.returncode == 0, summary
    generated = re.search(r"(\d+) generated", summary)
    assert generated and int(generated.group(1)) > 1000, summary
