"""The database of record: where it is, and the SQLAlchemy engine that reaches it.

The URL comes from ``DATABASE_URL``; without it, from the file that ``lianchuang db init``
wrote when it provisioned a local PostGIS (see :mod:`layers.storage.provision`).
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

import sqlalchemy as sa
from psycopg import errors as pg_errors

from layers.errors import DatabaseUnavailable


def home() -> Path:
    """Folder for the service's local state (``LIANCHUANG_HOME``, default ``~/.lianchuang``)."""
    return Path(os.environ.get("LIANCHUANG_HOME", Path.home() / ".lianchuang"))


def url_file() -> Path:
    return home() / "database_url"


def normalise_url(url: str) -> str:
    """Use the psycopg 3 driver for plain ``postgresql://`` / ``postgres://`` URLs."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def database_url() -> str:
    """The configured database URL, or raise :class:`DatabaseUnavailable` saying how to set one."""
    url = os.environ.get("DATABASE_URL")
    if url:
        return normalise_url(url)
    if url_file().exists():
        return normalise_url(url_file().read_text().strip())
    raise DatabaseUnavailable(
        "no database configured: set DATABASE_URL=postgresql://user:pass@host/db, "
        "or run `lianchuang db init` to provision a local PostGIS"
    )


@lru_cache(maxsize=8)
def get_engine(url: str | None = None) -> sa.Engine:
    """One pooled engine per URL, shared by the CLI, the API and the tests."""
    return sa.create_engine(
        normalise_url(url) if url else database_url(),
        pool_pre_ping=True,
        # The server is threaded: room for a few dozen requests at once before they queue.
        pool_size=10,
        max_overflow=20,
        connect_args={"connect_timeout": 5},
    )


#: What PostgreSQL says of a table, column or PostGIS function that is not there: a database
#: never migrated, or older than the code.
_SCHEMA_MISSING = (pg_errors.UndefinedTable, pg_errors.UndefinedColumn,
                   pg_errors.UndefinedFunction)


def schema_behind(exc: sa.exc.ProgrammingError) -> DatabaseUnavailable | None:
    """For a statement that failed on a missing table, column or function, the error to show
    (run the migrations); ``None`` for any other programming error (a bug in our SQL)."""
    if not isinstance(exc.orig, _SCHEMA_MISSING):
        return None
    reason = str(exc.orig).strip().splitlines()[0]
    return DatabaseUnavailable(f"the database is not set up for this version of Lianchuang "
                               f"({reason}); run `lianchuang db init` to apply the migrations")


def unreachable(exc: sa.exc.DBAPIError) -> DatabaseUnavailable:
    """Turn a driver's connection failure into a message that says where and what to do."""
    detail = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
    return DatabaseUnavailable(
        f"cannot reach the database ({detail}); check DATABASE_URL, that PostgreSQL is "
        "running, or run `lianchuang db init`"
    )


def change_stamp(conn: sa.Connection, tables: list[sa.Table]) -> tuple:
    """What changes when any row of *tables* is written, read in one statement: each table's
    row count and newest row version (``xmin``, the transaction that wrote the row: every
    insert or update gives a larger one, whichever channel wrote it and even into a table
    emptied with its ids restarted).  Caches keep a result while this stays equal."""
    newest = sa.func.max(sa.literal_column("xmin::text::bigint"))
    selects = [sa.select(sa.literal(table.name), sa.func.count(), newest).select_from(table)
               for table in tables]
    return tuple(sorted(tuple(row) for row in conn.execute(sa.union_all(*selects))))
