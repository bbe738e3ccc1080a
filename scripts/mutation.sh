#!/usr/bin/env bash
# Mutation testing (issue 13 item 13): mutmut 3 over one module at a time, each with only
# the fast tests that exercise it (the whole suite takes minutes and needs Chromium, so a
# run over it per mutant is out of reach).  Not part of scripts/test.sh: far too slow for CI.
# The results and the survivors judged equivalent are in docs/mutation.md.
#
#   export TEST_DATABASE_URL=postgresql+psycopg://…   # required: a test database of your own
#   scripts/mutation.sh assess gcj02                   # some modules, or none for all below
#   scripts/mutation.sh --list                         # the modules and their tests
#   MUTANTS='*_check_transition* *_event_kind*' scripts/mutation.sh workflow  # some functions
#
# mutmut reads one [tool.mutmut] from the pyproject.toml of the directory it runs in and
# copies the project into ./mutants there, so each module gets a scratch directory
# ($MUTATION_DIR/<module>, /tmp/lianchuang-mutation by default) holding links to this tree
# and a pyproject.toml with that module's section; the tree itself is never written to.
# Results stay there: `cd $MUTATION_DIR/<module> && mutmut show <mutant>`.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PYTHON="${PYTHON:-$ROOT/.venv/bin/python}"
[ -x "$PYTHON" ] || PYTHON=/work/main/.venv/bin/python
MUTMUT="$(dirname "$PYTHON")/mutmut"
MUTATION_DIR="${MUTATION_DIR:-/tmp/lianchuang-mutation}"

# module key | file mutated | the tests that exercise it (no browser, no GDAL client)
MODULES="
assess|geo/assess.py|tests/test_green_assess.py
thresholds|geo/thresholds.py|tests/test_green_assess.py tests/test_service_gaps.py
gcj02|geo/gcj02.py|tests/test_gcj02_reference.py tests/test_geo_crs.py
status_flow|layers/tracking/status_flow.py|tests/test_workflow.py tests/test_api_tracking.py
workflow|layers/tracking/workflow.py|tests/test_workflow.py tests/test_api_tracking.py tests/test_import_conflicts.py
accounts|layers/tracking/accounts.py|tests/test_workflow.py tests/test_api_tracking.py tests/test_guards.py tests/test_accounts.py tests/test_auth_session.py tests/test_auth_tokens.py
auth|api/auth.py|tests/test_api_tracking.py tests/test_guards.py tests/test_accounts.py
errors|geo/errors.py|tests/test_api_errors.py tests/test_geo_crs.py tests/test_green_assess.py
crs|geo/crs.py|tests/test_geo_crs.py
validate|layers/exchange/validate.py|tests/test_import.py tests/test_import_malformed.py tests/test_import_problems.py
importer|layers/exchange/importer.py|tests/test_import.py tests/test_import_archives.py tests/test_import_malformed.py tests/test_import_conflicts.py tests/test_import_problems.py
green|geo/green.py|tests/test_green_geo.py tests/test_service_gaps.py tests/test_green_scenario.py
green_model|geo/green_model.py|tests/test_green_geo.py tests/test_green_assess.py
green_study|geo/green_study.py|tests/test_green_geo.py tests/test_green_scenario.py
street_graph|geo/street_graph.py|tests/test_street_graph.py tests/test_walking.py tests/test_shortest_ways.py
walking|geo/walking.py|tests/test_walking.py
shortest_ways|geo/shortest_ways.py|tests/test_shortest_ways.py tests/test_walking.py
routing|geo/routing.py|tests/test_routing.py tests/test_route_export.py
polygons|geo/polygons.py|tests/test_green_geo.py tests/test_service_gaps.py tests/test_green_scenario.py tests/test_polygons.py
service_radius|geo/service_radius.py|tests/test_green_geo.py tests/test_service_gaps.py
service_coverage|geo/service_coverage.py|tests/test_green_geo.py tests/test_service_gaps.py
service_gaps|geo/service_gaps.py|tests/test_service_gaps.py
greening|geo/greening.py|tests/test_green_geo.py tests/test_green_scenario.py
scenario|geo/scenario.py|tests/test_green_scenario.py
"

if [ "${1:-}" = "--list" ]; then
    echo "$MODULES" | sed '/^$/d' | column -t -s'|'
    exit 0
fi
: "${TEST_DATABASE_URL:?set TEST_DATABASE_URL to a test database of your own; the tests empty it}"
export TEST_DATABASE_URL

keys=("$@")
[ ${#keys[@]} -gt 0 ] || mapfile -t keys < <(echo "$MODULES" | sed '/^$/d' | cut -d'|' -f1)

toml_list() { printf '"%s", ' "$@" | sed 's/, $//'; }

for key in "${keys[@]}"; do
    line="$(echo "$MODULES" | grep "^$key|")" || { echo "unknown module $key (--list)" >&2; exit 2; }
    file="$(echo "$line" | cut -d'|' -f2)"
    read -r -a tests <<< "$(echo "$line" | cut -d'|' -f3)"
    existing=()
    for t in "${tests[@]}"; do [ -e "$ROOT/$t" ] && existing+=("$t"); done
    work="$MUTATION_DIR/$key"
    mkdir -p "$work"
    for link in geo layers api webmap tests data; do ln -sfn "$ROOT/$link" "$work/$link"; done
    cat > "$work/mutation_fresh_engine.py" <<'EOF'
"""pytest plugin for mutation runs: forget the database engines a forked worker inherited."""
import gc

import sqlalchemy as sa

_inherited = []  # kept referenced, so their connections are never closed from here


def pytest_sessionstart(session):
    from layers.storage import db
    for engine in [o for o in gc.get_objects() if isinstance(o, sa.Engine)]:
        _inherited.append(engine.pool)
        engine.dispose(close=False)
    db.get_engine.cache_clear()
EOF
    {
        cat "$ROOT/pyproject.toml"
        cat <<EOF

[tool.mutmut]
# Every package is copied into mutants/ (the tests import them all); only one file is mutated.
source_paths = ["geo", "layers", "api", "webmap"]
only_mutate = ["$file"]
also_copy = ["data", "mutation_fresh_engine.py"]
# Each mutant's tests run in a process forked from the one that ran the clean tests; without
# the plugin they would reuse its pooled PostgreSQL connections (db.get_engine is cached)
# and fail for that alone, so every DB-backed mutant would count as killed.
# -x: a mutant is killed by its first failing test; the rest would only cost time.
pytest_add_cli_args = ["-p", "no:cacheprovider", "-q", "-x", "-p", "mutation_fresh_engine"]
pytest_add_cli_args_test_selection = [$(toml_list "${existing[@]}")]
EOF
    } > "$work/pyproject.toml"
    echo "== $key: $file with ${existing[*]}"
    # From scratch each time: mutmut's cache would keep verdicts reached with older tests.
    rm -rf "$work/mutants"
    # Two CPUs shared with other workers: lowest priority, one mutant at a time.
    read -r -a only <<< "${MUTANTS:-}"
    (cd "$work" && nice -n 19 "$MUTMUT" run --max-children 1 "${only[@]}" > run.log 2>&1) \
        || echo "mutmut failed for $key: see $work/run.log" >&2
    stamp="$(date -u +%Y%m%dT%H%M)"
    (cd "$work" && "$MUTMUT" results --all true > "results-$stamp.txt" 2>&1) || true
    (cd "$work" && "$MUTMUT" export-cicd-stats > /dev/null 2>&1 \
        && cp mutants/mutmut-cicd-stats.json "stats-$stamp.json" && cat "stats-$stamp.json") || true
    echo "   survivors: $work/results-$stamp.txt (mutmut show NAME in $work for the change)"
    echo
done
