"""Backing the whole database up into one GeoPackage, and restoring it into an empty one.

What is in a backup: every table of :data:`layers.storage.models.metadata`, i.e. every layer table
(a feature table of the GeoPackage), the project ledger (``projects``,
``project_features``, ``project_events``), ``users``, ``api_tokens``, ``attachments``
(metadata only: copy the uploads folder, ``LIANCHUANG_UPLOADS``, beside the backup),
``reports`` (a feature table) and ``report_events``; the other tables are GeoPackage
attribute tables.  A table ``lianchuang_backup`` records the format version, the schema
(Alembic) revision, the time of the backup and each table's row count.

Users and API tokens.  Users are always included: histories, reports and attachments name
them, and a restore must keep who did what.  API tokens are included by default so that a
restored service keeps its logins (field inspectors' phones keep working).  Only SHA-256
hashes of 256-bit random tokens are stored, which cannot be turned back into tokens, but
whoever holds the file can restore a server that accepts those tokens: pass
``tokens=False`` for a copy that leaves the building, and issue new tokens after restoring it.
The same copy leaves out the users' password hashes (salted and slow, but a weak password
can still be guessed from one): set passwords again after restoring it.

Fidelity.  Values GeoPackage holds exactly (integers, doubles, booleans, text, geometry as
WKB) are stored as such; the others (timestamps to the microsecond, dates, numeric budgets,
arrays, JSON) as PostgreSQL's own text form, which it reads back unchanged.  A backup is
read in one REPEATABLE READ snapshot, so it is consistent while the service keeps running.

Restore goes into an empty, migrated database of the same schema revision, in one
transaction, keeping every id; identity sequences continue after the largest restored id.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from geoalchemy2 import Geometry

from geo.errors import InvalidInput
from layers.storage import versions
from layers.storage.migrate import alembic_config
from layers.storage.models import (
    SEED_TABLES,
    STORAGE_SRID,
    api_tokens,
    filled_tables,
    metadata,
    users,
)

FORMAT_VERSION = 1
META_TABLE = "lianchuang_backup"
#: Rows read and written at a time, so that a layer of millions needs little memory.
CHUNK_ROWS = 50_000
#: The GeoPackage's own integer key, renamed so it never clashes with a column of ours.
GPKG_FID = "gpkg_fid"
_OGR_GEOMETRY = {"POINT": "Point", "MULTILINESTRING": "MultiLineString",
                 "MULTIPOLYGON": "MultiPolygon"}
#: GeoPackage geometry header: flags bit 1-3 say which envelope follows, of this many bytes.
_ENVELOPE_BYTES = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}


class BackupRefused(InvalidInput):
    """A backup file or target database that cannot be used as asked."""


def backup(engine: sa.Engine, path: Path, *, tokens: bool = True) -> dict[str, int]:
    """Write every table into a new GeoPackage at *path*; return the row count per table.

    Parameters
    ----------
    engine
        The database to back up.
    path
        The GeoPackage to create (an existing file is refused, never overwritten).
    tokens
        Include the API token hashes (see the module docstring).
    """
    path = Path(path)
    if path.exists():
        raise BackupRefused(f"{path} already exists; choose a new file name")
    try:
        counts = _write_backup(engine, path, tokens)
    except BaseException:
        path.unlink(missing_ok=True)  # no half-written backup left to be trusted later
        raise
    return counts


def _write_backup(engine: sa.Engine, path: Path, tokens: bool) -> dict[str, int]:
    counts: dict[str, int] = {}
    snapshot = engine.connect().execution_options(isolation_level="REPEATABLE READ")
    with snapshot as conn, conn.begin():
        revision = _revision(conn)
        if revision != schema_head():
            raise BackupRefused(
                f"the database is at schema revision {revision}, this version of Lianchuang "
                f"at {schema_head()}; run `lianchuang db init` to migrate it, then back up")
        for table in _tables(tokens):
            counts[table.name] = _copy_table(conn, table, path,
                                             without=set() if tokens else _SECRET_COLUMNS)
    _write_meta(path, {"format_version": FORMAT_VERSION, "schema_revision": revision,
                       "created_at": dt.datetime.now(dt.timezone.utc).isoformat(),
                       "api_tokens": "included" if tokens else "excluded",
                       "row_counts": counts})
    return counts


def restore(engine: sa.Engine, path: Path) -> dict[str, int]:
    """Load the backup at *path* into *engine*'s empty database; return rows per table.

    Refuses (changing nothing) a database that holds any row, a backup of another schema
    revision, or a file that is not a Lianchuang backup.  Everything is one transaction.
    """
    path = Path(path)
    meta = read_meta(path)
    counts: dict[str, int] = {}
    with engine.begin() as conn, sqlite3.connect(f"file:{path}?mode=ro", uri=True) as gpkg:
        tables = _tables(meta["api_tokens"] == "included")
        # Locked first so that nobody writes between the emptiness check and the load.
        conn.exec_driver_sql("LOCK TABLE " + ", ".join(t.name for t in tables)
                             + " IN ACCESS EXCLUSIVE MODE")
        _check_target(conn, meta)
        # The backup brings its own feature versions: loading the layers writes none.
        versions.stamp(conn, actor="restore", channel="restore")
        # The categories `db init` seeded give way to the backup's own (edited) ones.
        conn.execute(sa.text("TRUNCATE " + ", ".join(SEED_TABLES)
                             + " RESTART IDENTITY CASCADE"))
        for table in tables:
            counts[table.name] = _load_table(conn, gpkg, table)
            _restart_identity(conn, table)
        if counts != meta["row_counts"]:
            raise BackupRefused(f"{path}: rows read {counts} differ from the rows the backup "
                                f"recorded {meta['row_counts']}; the file is damaged")
    return counts


def read_meta(path: Path) -> dict:
    """The backup's own record (format, schema revision, time, row counts)."""
    path = Path(path)
    if not path.is_file():
        raise BackupRefused(f"{path}: no such file")
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as gpkg:
            rows = dict(gpkg.execute(f'SELECT key, value FROM "{META_TABLE}"').fetchall())
    except sqlite3.DatabaseError:
        raise BackupRefused(f"{path} is not a Lianchuang backup (no {META_TABLE} table "
                            "in a GeoPackage)") from None
    meta = {key: json.loads(value) for key, value in rows.items()}
    if meta.get("format_version") != FORMAT_VERSION:
        raise BackupRefused(f"{path}: backup format {meta.get('format_version')} is not "
                            f"{FORMAT_VERSION}, the one this version reads")
    return meta


@lru_cache(maxsize=1)
def schema_head() -> str:
    """The schema revision this code's tables are (the newest migration)."""
    return ScriptDirectory.from_config(alembic_config("postgresql://")).get_current_head()


def _tables(tokens: bool) -> list[sa.Table]:
    return [t for t in metadata.sorted_tables if tokens or t is not api_tokens]


def _revision(conn: sa.Connection) -> str:
    return conn.scalar(sa.text("SELECT version_num FROM alembic_version"))


def _kind(column: sa.Column) -> str:
    """How a column is stored: geometry, a native GeoPackage type, or PostgreSQL text."""
    kind = column.type
    if isinstance(kind, Geometry):
        return "geometry"
    if isinstance(kind, sa.Boolean):
        return "boolean"
    if isinstance(kind, sa.Integer):
        return "integer"
    if isinstance(kind, sa.Float):
        return "real"
    if isinstance(kind, (sa.Text, sa.String)):
        return "text"
    return "pg_text"


#: Secrets left out of a backup made without tokens.
_SECRET_COLUMNS = frozenset({users.c.password_hash})


def _copy_table(conn: sa.Connection, table: sa.Table, path: Path, *,
                without: set[sa.Column] = frozenset()) -> int:
    """Write *table* into the GeoPackage chunk by chunk (memory stays bounded); its rows.

    Columns in *without* are written empty.
    """
    selected = []
    for column in table.columns:
        kind = _kind(column)
        if column in without:
            selected.append(sa.null().label(column.name))
        elif kind == "geometry":
            selected.append(sa.func.ST_AsBinary(column).label(column.name))
        elif kind == "pg_text":
            selected.append(sa.cast(column, sa.Text).label(column.name))
        else:
            selected.append(column)
    query = sa.select(*selected).order_by(*table.primary_key.columns)
    result = conn.execution_options(stream_results=True).execute(query)
    count = 0
    for rows in result.partitions(CHUNK_ROWS):
        _write_table(_frame(table, rows), table, path, append=count > 0)
        count += len(rows)
    if count == 0:  # the table is created even when it has no row
        _write_table(_frame(table, []), table, path, append=False)
    return count


def _frame(table: sa.Table, rows) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=[c.name for c in table.columns])
    for column in table.columns:
        frame[column.name] = _typed(frame[column.name], _kind(column))
    return frame


def _typed(values: pd.Series, kind: str) -> pd.Series:
    if kind == "integer":
        return values.astype("Int64")
    if kind == "boolean":
        return values.astype("boolean")
    if kind == "real":
        return values.astype("float64")
    if kind == "geometry":
        return pd.Series(shapely.from_wkb(values.map(bytes, na_action="ignore").to_numpy()))
    return values.astype(object).where(values.notna(), None)


def _write_table(frame: pd.DataFrame, table: sa.Table, path: Path, append: bool) -> None:
    options = {"layer": str(table.name), "driver": "GPKG", "append": append,
               "layer_options": {"FID": GPKG_FID}}
    geometry = [c for c in table.columns if _kind(c) == "geometry"]
    if not geometry:
        pyogrio.write_dataframe(frame, path, **options)
        return
    column = geometry[0]
    spatial = gpd.GeoDataFrame(frame.drop(columns=column.name),
                               geometry=gpd.GeoSeries(frame[column.name].array,
                                                      crs=STORAGE_SRID))
    kind = _OGR_GEOMETRY.get(column.type.geometry_type, "Unknown")
    pyogrio.write_dataframe(spatial.rename_geometry(column.name), path, geometry_type=kind,
                            **options)


def _write_meta(path: Path, meta: dict) -> None:
    frame = pd.DataFrame({"key": list(meta),
                          "value": [json.dumps(v, ensure_ascii=False) for v in meta.values()]})
    pyogrio.write_dataframe(frame, path, layer=META_TABLE, driver="GPKG",
                            layer_options={"FID": GPKG_FID})


def _check_target(conn: sa.Connection, meta: dict) -> None:
    if meta["schema_revision"] != schema_head():
        raise BackupRefused(
            f"the backup is of schema revision {meta['schema_revision']}, this version of "
            f"Lianchuang is at {schema_head()}; restore it with the version that made it, "
            "then upgrade with `lianchuang db init`")
    try:
        with conn.begin_nested():
            revision = _revision(conn)
    except sa.exc.ProgrammingError:
        revision = None
    if revision != schema_head():
        raise BackupRefused(
            f"the database is at schema revision {revision or '(none)'}, not {schema_head()}; "
            "run `lianchuang db init` with DATABASE_URL pointing at it, then restore")
    filled = filled_tables(conn)
    if filled:
        raise BackupRefused(
            f"the database is not empty ({', '.join(filled)} hold rows); restore only into an "
            "empty database: create a new one and run `lianchuang db init` with DATABASE_URL "
            "pointing at it")


def _load_table(conn: sa.Connection, gpkg: sqlite3.Connection, table: sa.Table) -> int:
    """COPY one table's rows from the GeoPackage; return how many."""
    names = [c.name for c in table.columns]
    kinds = [_kind(c) for c in table.columns]
    quoted = ", ".join(f'"{name}"' for name in names)
    cursor = conn.connection.driver_connection.cursor()
    count = 0
    with cursor.copy(f"COPY {table.name} ({quoted}) FROM STDIN") as copy:
        for row in gpkg.execute(f'SELECT {quoted} FROM "{table.name}" ORDER BY {GPKG_FID}'):
            copy.write_row([_pg_value(value, kind) for value, kind in zip(row, kinds)])
            count += 1
    return count


def _pg_value(value, kind: str):
    if value is None:
        return None
    if kind == "boolean":
        return bool(value)
    if kind == "geometry":
        return _ewkb(value)
    return value


def _ewkb(blob: bytes) -> str:
    """A GeoPackage geometry blob as hex EWKB with the storage SRID, which COPY reads."""
    flags = blob[3]
    start = 8 + _ENVELOPE_BYTES[(flags >> 1) & 0b111]
    geom = shapely.set_srid(shapely.from_wkb(blob[start:]), STORAGE_SRID)
    return shapely.to_wkb(geom, hex=True, include_srid=True)


def _restart_identity(conn: sa.Connection, table: sa.Table) -> None:
    """Let identity columns continue after the largest id now in the table."""
    for column in table.columns:
        if column.identity is not None:
            conn.exec_driver_sql(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', '{column.name}'), "
                f"COALESCE((SELECT max({column.name}) FROM {table.name}), 0) + 1, false)")
