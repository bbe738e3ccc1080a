#!/usr/bin/env bash
# Set up and run the whole test suite on a fresh machine: installs what is missing
# (PostgreSQL + PostGIS, chromium), provisions a local PostGIS test database unless
# TEST_DATABASE_URL is given, checks the import rules of docs/architecture.md, and runs
# pytest.  Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh --test
.venv/bin/lint-imports --no-cache
exec .venv/bin/python -m pytest "$@"
