"""Importing layer files and the project ledger into PostGIS, all or nothing.

One call of :func:`import_paths` is one transaction: every file is read and checked, then
written; if any feature or ledger row is rejected (and ``skip_invalid`` is off), or anything
fails while writing, the transaction is rolled back and the database is exactly as before.
Features are upserted by their stable id, and a row whose values are all the same is not
touched, so importing the same file twice changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
import sqlalchemy as sa
from tqdm import tqdm

from layers.errors import ValidationFailed
from layers.exchange import ledger_import
from layers.exchange.import_report import ImportReport, SourceReport
from layers.exchange.sources import SourceRef, discover, read_source
from layers.exchange.validate import validate_layer
from layers.storage import versions
from layers.storage.catalogue import get_layer, layer_names
from layers.storage.models import STORAGE_SRID, filled_tables, layer_table

#: How many rows the progress bar advances by.
BATCH_SIZE = 1000
#: Files with more features than this show a progress bar (on a terminal).
PROGRESS_THRESHOLD = 5000


@dataclass(frozen=True)
class ImportOptions:
    """What the user said on the command line (``--layer``, ``--crs``...)."""

    layer: str | None = None
    crs: str | None = None
    encoding: str | None = None
    id_field: str | None = None
    skip_invalid: bool = False
    dry_run: bool = False
    #: Replace values changed in the service since the last import (otherwise a conflict).
    overwrite: bool = False
    actor: str = "import"


#: Called inside the import's transaction with the connection and, per layer source, its
#: target layer, the temporary table holding the file's features, and its report.
Hook = Callable[[sa.Connection, list[tuple[str, str, SourceReport]]], None]


def import_paths(engine: sa.Engine, paths: list[Path], options: ImportOptions = ImportOptions(),
                 *, before_write: Hook | None = None, after_write: Hook | None = None
                 ) -> ImportReport:
    """Import files and folders (layers, then ledgers) in one transaction.

    Raises :class:`ValidationFailed` (carrying the report) when anything was rejected and
    ``skip_invalid`` is off, or when a whole file was refused (a required column missing, no
    features), whatever ``skip_invalid`` says; nothing is written then.

    *before_write* runs in the transaction before any feature is written (the upload page
    checks there that the layer did not change since its dry run), *after_write* once the
    layers are written and before anything is decided (the upload page computes its diff
    there, and on commit deletes what the file no longer has): what they do is committed or
    rolled back with the import.
    """
    refs = discover(paths, options.layer)
    report = ImportReport(dry_run=options.dry_run)
    staged = [_stage_layer(ref, options, report) for ref in refs if not ref.is_ledger]
    if report.file_refused:
        raise ValidationFailed("a file was refused as a whole", report)
    with engine.begin() as conn:
        versions.stamp(conn, actor=options.actor, channel="import",
                       note=("import of " + ", ".join(ref.label for ref in refs))
                       [:versions.NOTE_MAX])
        written = [(ref.target, f"_import_{n}", source)
                   for n, (ref, _, source) in enumerate(staged)]
        if before_write:
            before_write(conn, written)
        for n, (ref, frame, source) in enumerate(staged):
            _write_layer(conn, ref, frame, source, staging=f"_import_{n}")
        if after_write:
            after_write(conn, written)
        for ref in refs:
            if ref.is_ledger:
                report.sources.append(ledger_import.import_ledger(
                    conn, ref.path, options.actor, overwrite=options.overwrite))
        if report.file_refused or (report.rejected and not options.skip_invalid):
            conn.rollback()
            raise ValidationFailed(f"{report.rejected} feature(s), row(s) or file(s) rejected",
                                   report)
        if report.conflicts:
            conn.rollback()
            raise ValidationFailed(f"{report.conflicts} row(s) changed in the service", report)
        if options.dry_run:
            conn.rollback()
            return report
    report.committed = True
    return report


def import_into_empty(engine: sa.Engine, paths: list[Path],
                      options: ImportOptions = ImportOptions()) -> ImportReport | None:
    """:func:`import_paths` when the database holds no feature and no project yet; ``None``
    (and nothing done) when it does, so that loading the sample at every start never undoes
    what planners changed since."""
    with engine.connect() as conn:
        if set(filled_tables(conn)) & {*layer_names(), "projects"}:
            return None
    return import_paths(engine, paths, options)


def _stage_layer(ref: SourceRef, options: ImportOptions, report: ImportReport
                 ) -> tuple[SourceRef, gpd.GeoDataFrame, SourceReport]:
    """Read and check one layer source before the transaction opens."""
    source = SourceReport(target=ref.target, source=ref.label)
    report.sources.append(source)
    read = read_source(ref, crs=options.crs, encoding=options.encoding)
    source.crs, source.encoding = read.crs_note, read.encoding
    if read.frame.empty:
        source.reject("the file holds no features: check that it is the right file (and "
                      "layer), or leave it out")
        return ref, read.frame, source
    frame = validate_layer(read.frame, get_layer(ref.target), source, gcj02=read.gcj02,
                           id_field=options.id_field, unreadable=read.unreadable)
    return ref, frame, source


def _write_layer(conn: sa.Connection, ref: SourceRef, frame: gpd.GeoDataFrame,
                 source: SourceReport, staging: str) -> None:
    """COPY the features into a temporary table, then upsert them from there in one statement.

    COPY is what makes large files fast (an INSERT per row, even batched, spends most of
    its time building and parsing SQL); the upsert leaves rows whose values are all equal
    untouched, and its RETURNING tells inserted rows (xmax = 0) from updated ones.
    """
    table = layer_table(ref.target)
    attributes = [c for c in frame.columns if c not in ("fid", "geom")]
    columns = ["fid", *attributes, "geom", "source"]
    conn.exec_driver_sql(
        f"CREATE TEMP TABLE {staging} (LIKE {table.name} INCLUDING DEFAULTS) ON COMMIT DROP")
    _copy_rows(conn, staging, columns, frame, attributes, ref)
    compared = [*attributes, "geom"]
    outcome = conn.exec_driver_sql(
        f"INSERT INTO {table.name} ({', '.join(columns)}) "
        f"SELECT {', '.join(columns)} FROM {staging} "
        f"ON CONFLICT (fid) DO UPDATE SET "
        + ", ".join(f"{c} = EXCLUDED.{c}" for c in [*compared, "source"])
        + ", imported_at = now() "
        f"WHERE ({', '.join(f'{table.name}.{c}' for c in compared)}) IS DISTINCT FROM "
        f"({', '.join(f'EXCLUDED.{c}' for c in compared)}) "
        "RETURNING xmax = 0"
    ).scalars().all()
    source.inserted = sum(outcome)
    source.updated = len(outcome) - source.inserted
    source.unchanged = len(frame) - len(outcome)


def _with_nulls(column) -> np.ndarray:
    """The column's values with pandas' missing markers (NaN, NA, NaT) as ``None``, which
    COPY writes as NULL (a NaN in a text column would otherwise arrive as the text 'nan')."""
    return column.astype(object).where(column.notna(), None).to_numpy()


def _copy_rows(conn: sa.Connection, staging: str, columns: list[str],
               frame: gpd.GeoDataFrame, attributes: list[str], ref: SourceRef) -> None:
    geoms = shapely.to_wkb(shapely.set_srid(np.asarray(frame.geometry.array), STORAGE_SRID),
                           hex=True, include_srid=True)
    values = [_with_nulls(frame[c]) for c in ["fid", *attributes]]
    bar = tqdm(total=len(frame), desc=ref.label, unit="feature", disable=None,
               leave=False) if len(frame) > PROGRESS_THRESHOLD else None
    cursor = conn.connection.driver_connection.cursor()
    with cursor.copy(f"COPY {staging} ({', '.join(columns)}) FROM STDIN") as copy:
        for i, row in enumerate(zip(*values, geoms)):
            copy.write_row((*row, ref.path.name))
            if bar and i % BATCH_SIZE == 0:
                bar.update(min(BATCH_SIZE, len(frame) - i))
    if bar:
        bar.close()
