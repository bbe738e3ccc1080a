"""Importing layer files and the project ledger into PostGIS, all or nothing.

One call of :func:`import_paths` is one transaction: every file is read and checked, then
written; if any feature or ledger row is rejected (and ``skip_invalid`` is off), or anything
fails while writing, the transaction is rolled back and the database is exactly as before.
Features are upserted by their stable id, and a row whose values are all the same is not
touched, so importing the same file twice changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import sqlalchemy as sa
from geoalchemy2.shape import from_shape
from sqlalchemy.dialects.postgresql import insert
from tqdm import tqdm

from layers import ledger
from layers.catalogue import get_layer
from layers.errors import ValidationFailed
from layers.models import STORAGE_SRID, layer_table
from layers.report import ImportReport, SourceReport
from layers.sources import SourceRef, discover, read_source
from layers.validate import validate_layer

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
    actor: str = "import"


def import_paths(engine: sa.Engine, paths: list[Path], options: ImportOptions = ImportOptions()
                 ) -> ImportReport:
    """Import files and folders (layers, then ledgers) in one transaction.

    Raises :class:`ValidationFailed` (carrying the report) when anything was rejected and
    ``skip_invalid`` is off; nothing is written then.
    """
    refs = discover(paths, options.layer)
    report = ImportReport(dry_run=options.dry_run)
    staged = [_stage_layer(ref, options, report) for ref in refs if not ref.is_ledger]
    with engine.begin() as conn:
        for ref, frame, source in staged:
            _write_layer(conn, ref, frame, source)
        for ref in refs:
            if ref.is_ledger:
                report.sources.append(ledger.import_ledger(conn, ref.path, options.actor))
        if report.rejected and not options.skip_invalid:
            conn.rollback()
            raise ValidationFailed(f"{report.rejected} feature(s) or row(s) rejected", report)
        if options.dry_run:
            conn.rollback()
            return report
    report.committed = True
    return report


def _stage_layer(ref: SourceRef, options: ImportOptions, report: ImportReport
                 ) -> tuple[SourceRef, gpd.GeoDataFrame, SourceReport]:
    """Read and check one layer source before the transaction opens."""
    source = SourceReport(target=ref.target, source=ref.label)
    report.sources.append(source)
    read = read_source(ref, crs=options.crs, encoding=options.encoding)
    source.crs, source.encoding = read.crs_note, read.encoding
    frame = validate_layer(read.frame, get_layer(ref.target), source, gcj02=read.gcj02,
                           id_field=options.id_field)
    return ref, frame, source


def _write_layer(conn: sa.Connection, ref: SourceRef, frame: gpd.GeoDataFrame,
                 source: SourceReport) -> None:
    table = layer_table(ref.target)
    attributes = [c for c in frame.columns if c not in ("fid", "geom")]
    stmt = insert(table)
    compared = [*attributes, "geom"]
    stmt = stmt.on_conflict_do_update(
        index_elements=["fid"],
        set_={c: stmt.excluded[c] for c in [*compared, "source"]}
        | {"imported_at": sa.func.now()},
        where=sa.tuple_(*(table.c[c] for c in compared)).is_distinct_from(
            sa.tuple_(*(stmt.excluded[c] for c in compared))
        ),
    ).returning(sa.literal_column("xmax = 0").label("inserted"))
    rows = _rows(frame, attributes, ref.path.name)
    bar = tqdm(total=len(rows), desc=ref.label, unit="feature", disable=None,
               leave=False) if len(rows) > PROGRESS_THRESHOLD else None
    for start in range(0, len(rows), BATCH_SIZE):
        batch = rows[start:start + BATCH_SIZE]
        flags = conn.execute(stmt, batch).scalars().all()
        source.inserted += sum(flags)
        source.updated += len(flags) - sum(flags)
        if bar:
            bar.update(len(batch))
    if bar:
        bar.close()
    source.unchanged = len(rows) - source.inserted - source.updated


def _rows(frame: gpd.GeoDataFrame, attributes: list[str], source: str) -> list[dict]:
    records = frame[["fid", *attributes]].astype(object).to_dict("records")
    for record, geom in zip(records, frame.geometry.array):
        record["geom"] = from_shape(geom, srid=STORAGE_SRID)
        record["source"] = source
    return records
