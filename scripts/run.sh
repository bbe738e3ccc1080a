#!/usr/bin/env bash
# Set up and run the service on the sample data, on a fresh machine, in one step:
# installs what is missing, provisions PostGIS (unless DATABASE_URL is given), loads the
# Xixiang sample layers and project ledger into an empty database, and serves http://127.0.0.1:5000
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
.venv/bin/lianchuang db init
# The sample goes into an empty database only: a restart keeps what planners changed.
.venv/bin/lianchuang db seed data/shapefiles
exec .venv/bin/lianchuang serve --host "${HOST:-127.0.0.1}" --port "${PORT:-5000}"
