"""Bring the database of record up: a local PostGIS when none is given, extensions, migrations.

``lianchuang db init`` calls :func:`init_database`.  It is idempotent: run it again and it
checks each step and does only what is missing.

With ``DATABASE_URL`` the given database is used as it is (PostGIS is created in it if the
role may).  Without it, the machine's own PostgreSQL is used (Debian's ``postgresql-common``
layout): installed with apt when the process is root and apt is there, its cluster started,
a login role and a database owned by it (both ``lianchuang``) created, PostGIS enabled, and the
URL (with a generated password) kept in ``~/.lianchuang/database_url`` for later runs.
"""

from __future__ import annotations

import os
import pwd
import re
import secrets
import shutil
import subprocess
from pathlib import Path
from typing import Callable

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from layers.errors import ProvisioningFailed
from layers.storage import db

DATABASE = "lianchuang"
_HELP = (
    "Install PostgreSQL with PostGIS (Debian/Ubuntu: `sudo apt-get install postgresql postgis`; "
    "elsewhere: `conda env create -f environment.yml`), or point DATABASE_URL at a PostGIS "
    "database: DATABASE_URL=postgresql://user:password@host:5432/dbname"
)

Log = Callable[[str], None]


def init_database(url: str | None = None, *, database: str = DATABASE,
                  log: Log = print) -> str:
    """Make the database ready to use and return its URL.

    Parameters
    ----------
    url
        A PostgreSQL URL to use as it is; ``None`` reads ``DATABASE_URL`` and, when that is
        unset too, provisions a local PostGIS.
    database
        Name of the database to provision locally (tests use their own).
    log
        Where progress lines go.
    """
    url = url or os.environ.get("DATABASE_URL")
    if url:
        url = db.normalise_url(url)
    else:
        url = provision_local(database, log=log)
    ensure_postgis(url)
    from layers.storage.migrate import upgrade  # alembic is heavy; only load it when migrating

    upgrade(url)
    from layers.cases.categories import ensure_seed  # the seed data the schema expects

    with db.get_engine(url).begin() as conn:
        written = ensure_seed(conn)
    if written:
        log(f"case categories: {written} added or brought up to date from the seed")
    log(f"database ready: {make_url(url).render_as_string(hide_password=True)}")
    return url


def ensure_postgis(url: str) -> None:
    """Create the PostGIS extension if missing, or say who must."""
    engine = db.get_engine(url)
    try:
        with engine.begin() as conn:
            if conn.scalar(sa.text("SELECT 1 FROM pg_extension WHERE extname = 'postgis'")):
                return
            conn.execute(sa.text("CREATE EXTENSION IF NOT EXISTS postgis"))
    except sa.exc.OperationalError as exc:
        raise ProvisioningFailed(
            f"cannot connect to {make_url(url).render_as_string(hide_password=True)}: "
            f"{_first_line(exc)}. Check DATABASE_URL and that the server is running."
        ) from None
    except sa.exc.ProgrammingError as exc:
        raise ProvisioningFailed(
            f"PostGIS is not enabled in {make_url(url).database} and this role may not enable "
            f"it ({_first_line(exc)}). Ask the database owner to run `CREATE EXTENSION postgis;` "
            f"in that database. {_HELP}"
        ) from None


def provision_local(database: str = DATABASE, *, log: Log = print) -> str:
    """Set up (or find) the local PostGIS database *database* and return its URL."""
    version = _installed_server_version() or _apt_install_server(log)
    if not Path(f"/usr/share/postgresql/{version}/extension/postgis.control").exists():
        _apt_install([f"postgresql-{version}-postgis-3"], log)
    port = _running_cluster_port(version, log)
    role = database  # one role per database, so the tests' never touches the service's
    password = _role_password(database)
    _as_superuser(port, _role_sql(role, password))
    if not _as_superuser(port, f"SELECT 1 FROM pg_database WHERE datname = '{database}'"):
        log(f"creating database {database}")
        _as_superuser(port, f'CREATE DATABASE "{database}" OWNER "{role}"')
    _as_superuser(port, "CREATE EXTENSION IF NOT EXISTS postgis", database=database)
    url = f"postgresql+psycopg://{role}:{password}@127.0.0.1:{port}/{database}"
    if database == DATABASE:
        db.home().mkdir(parents=True, exist_ok=True)
        db.url_file().write_text(url + "\n")
        db.url_file().chmod(0o600)
    return url


def _role_sql(role: str, password: str) -> str:
    return (
        "DO $$ BEGIN "
        f"IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{role}') THEN "
        f"CREATE ROLE \"{role}\" LOGIN PASSWORD '{password}'; "
        f"ELSE ALTER ROLE \"{role}\" LOGIN PASSWORD '{password}'; END IF; END $$"
    )


def _role_password(database: str) -> str:
    """Keep the service's password once provisioned, so its stored URL stays valid."""
    if database == DATABASE and db.url_file().exists():
        password = make_url(db.url_file().read_text().strip()).password
        if password:
            return password
    return secrets.token_urlsafe(18)


def _installed_server_version() -> str | None:
    versions = sorted(
        (p.parent.parent.name for p in Path("/usr/lib/postgresql").glob("*/bin/postgres")),
        key=lambda v: float(v),
    )
    return versions[-1] if versions else None


def _apt_install_server(log: Log) -> str:
    _apt_install(["postgresql", "postgis"], log)
    version = _installed_server_version()
    if not version:
        raise ProvisioningFailed(f"apt installed no PostgreSQL server. {_HELP}")
    return version


def _apt_install(packages: list[str], log: Log) -> None:
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise ProvisioningFailed(
            f"PostgreSQL/PostGIS is missing ({' '.join(packages)}) and this process cannot "
            f"install it (apt needs root). {_HELP}"
        )
    log(f"installing {' '.join(packages)} with apt-get")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for args in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", *packages]):
        done = subprocess.run(args, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            raise ProvisioningFailed(
                f"`{' '.join(args)}` failed: {done.stderr.strip()[-500:]}. {_HELP}"
            )


def _running_cluster_port(version: str, log: Log) -> int:
    """Port of a running cluster of *version*, creating or starting ``main`` as needed."""
    clusters = _clusters(version)
    if not clusters:
        log(f"creating PostgreSQL {version} cluster 'main'")
        _run(["pg_createcluster", version, "main", "--start"])
        clusters = _clusters(version)
    for name, port, status in clusters:
        if status == "online":
            return port
    name, port, _ = clusters[0]
    log(f"starting PostgreSQL {version} cluster '{name}'")
    _run(["pg_ctlcluster", "--skip-systemctl-redirect", version, name, "start"])
    return port


def _clusters(version: str) -> list[tuple[str, int, str]]:
    if not shutil.which("pg_lsclusters"):
        raise ProvisioningFailed(f"pg_lsclusters not found (Debian's postgresql-common). {_HELP}")
    out = _run(["pg_lsclusters", "--no-header"])
    rows = []
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 4 and parts[0] == version:
            rows.append((parts[1], int(parts[2]), parts[3]))
    return rows


def _as_superuser(port: int, sql: str, database: str = "postgres") -> str:
    """Run *sql* as the ``postgres`` superuser through psql and return its bare output."""
    psql = ["psql", "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-p", str(port),
            "-d", database, "-c", sql]
    if _current_user() == "postgres":
        prefix: list[str] = []
    elif os.geteuid() == 0:
        prefix = ["runuser", "-u", "postgres", "--"]
    elif shutil.which("sudo"):
        prefix = ["sudo", "-n", "-u", "postgres"]
    else:
        raise ProvisioningFailed(f"need the postgres superuser to set up the database. {_HELP}")
    return _run(prefix + psql).strip()


def _current_user() -> str:
    return pwd.getpwuid(os.geteuid()).pw_name


def _run(args: list[str]) -> str:
    done = subprocess.run(args, capture_output=True, text=True, cwd="/")
    if done.returncode != 0:
        detail = re.sub(r"\s+", " ", done.stderr.strip())[-500:]
        raise ProvisioningFailed(f"`{' '.join(args[:6])}...` failed: {detail}. {_HELP}")
    return done.stdout


def _first_line(exc: Exception) -> str:
    return str(getattr(exc, "orig", exc)).strip().splitlines()[0]
