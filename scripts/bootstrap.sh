#!/usr/bin/env bash
# Set up a fresh machine for Lianchuang: system packages (when root with apt), a virtualenv
# in .venv, and the project installed in it.  Idempotent: a second run only checks.
#   scripts/bootstrap.sh          what the service needs (PostgreSQL + PostGIS, Chromium
#                                 and a Chinese font for the PDF report)
#   scripts/bootstrap.sh --test   also what the tests need (GDAL's ogrinfo)
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
[ "${1:-}" = "--test" ] && want_test=1

# A database given by URL needs no local PostgreSQL.
given_url="${DATABASE_URL:-}"
[ "$want_test" = 1 ] && given_url="${TEST_DATABASE_URL:-}"

packages=()
if [ -z "$given_url" ]; then
  command -v pg_lsclusters >/dev/null 2>&1 || packages+=(postgresql)
  ls /usr/share/postgresql/*/extension/postgis.control >/dev/null 2>&1 || packages+=(postgis)
fi
python3 -c 'import ensurepip, venv' 2>/dev/null || packages+=(python3-venv)
# The service prints the assessors' PDF report in Chromium, with a font for its Chinese.
command -v chromium >/dev/null 2>&1 || packages+=(chromium)
[ -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || packages+=(fonts-wqy-microhei)
if [ "$want_test" = 1 ]; then
  # GDAL's own OGC API client checks our /ogc service.
  command -v ogrinfo >/dev/null 2>&1 || packages+=(gdal-bin)
fi
if [ "${#packages[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing ${packages[*]} with apt-get" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
  else
    echo "missing system packages: ${packages[*]}" >&2
    echo "install them (Debian/Ubuntu: sudo apt-get install ${packages[*]})," >&2
    echo "or use conda: conda env create -f environment.yml && conda activate lianchuang" >&2
    exit 1
  fi
fi

# PostgreSQL's cluster may have been installed but not started (no systemd in containers).
if command -v pg_lsclusters >/dev/null 2>&1 && [ -z "$given_url" ]; then
  pg_lsclusters --no-header | awk '$4 != "online" {print $1, $2}' | while read -r ver name; do
    pg_ctlcluster --skip-systemctl-redirect "$ver" "$name" start || true
  done
fi

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
extras=""
[ "$want_test" = 1 ] && extras="[dev]"
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e ".${extras}"
