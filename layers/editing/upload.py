"""A layer file uploaded in the browser: staged, tried as a dry run with its diff against the
live layer, then committed (all or nothing) or cancelled.

The dry run is the importer itself (:func:`layers.exchange.importer.import_paths` with
``dry_run``): it writes the file's features in its transaction, and before rolling back we
read what it did from the versions the triggers wrote in that transaction
(``valid_from = now()``): an ``insert`` is a feature the file adds, an ``update`` one it
changes (its previous version, closed at ``now()``, is the "before").  Removed are the live
features the file no longer has (the importer upserts only: they stay unless the upload
asks to *replace* the layer, which deletes them on commit).  Conflicts are the features the
upload would change or remove whose last version before it was not written by an import:
edits made on the map, through the API or by a restore since their last import.  A commit
with conflicts needs ``overwrite``.

The file waits between the dry run and the commit in ``<uploads>/staging/<id>/`` with a
``meta.json`` (who, which layer, the options, the live layers' fingerprint) and expires
after :data:`TTL_SECONDS`.  A commit whose layer changed since its dry run (another version
was written) is refused (409): the dry run must be redone.
"""

from __future__ import annotations

import json
import re
import secrets
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from geo.errors import Conflict, InvalidInput, NotFound
from layers.editing.features import record_project_edits
from layers.errors import ImportRefused, ValidationFailed
from layers.exchange.import_report import ImportReport, SourceReport
from layers.exchange.importer import ImportOptions, import_paths
from layers.storage.catalogue import layer_names
from layers.storage.db import change_stamp
from layers.storage.models import layer_table
from layers.tracking.accounts import User, require
from layers.tracking.attachments import uploads_dir

#: The files the upload page takes: a zipped Shapefile, a GeoPackage, GeoJSON, KML/KMZ.
SUFFIXES = (".zip", ".gpkg", ".geojson", ".json", ".kml", ".kmz")
#: How long a dry run's file waits for its commit.
TTL_SECONDS = 24 * 3600
#: The longest file name kept (the name tells the importer the layer, and is the note).
NAME_MAX = 200
_ID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
_UNSAFE = re.compile(r"[\x00-\x1f/\\:*?\"<>|]")


def staging_dir() -> Path:
    return uploads_dir() / "staging"


@dataclass
class DryRun:
    """What :func:`dry_run` answers: the staged upload's id, the report and the diff."""

    id: str
    report: ImportReport
    diff: dict[str, dict[str, Any]]
    meta: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        counts = {k: len(v["features"]) for k, v in self.diff.items()}
        return {"id": self.id, "file": self.meta["file"], "layers": self.meta["layers"],
                "replace": self.meta["replace"], "expires": self.meta["expires"],
                "committable": self.meta["committable"], "counts": counts,
                "report": self.report.to_dict(), "diff": self.diff}


def safe_name(name: str | None) -> str:
    """The uploaded file's own name, without any folder, checked for its suffix."""
    base = _UNSAFE.sub("_", (name or "").replace("\\", "/").rsplit("/", 1)[-1]).strip(" .")
    if not base:
        raise InvalidInput("the file has no name: send it as multipart/form-data with its "
                           "file name (e.g. parks.geojson)")
    suffix = Path(base).suffix.lower()
    if suffix not in SUFFIXES:
        raise InvalidInput(f"{base}: unsupported file type {suffix or '(none)'}; upload a "
                           "zipped Shapefile (.zip), a GeoPackage (.gpkg), GeoJSON (.geojson) "
                           "or KML (.kml)")
    if len(base) > NAME_MAX:
        base = Path(base).stem[:NAME_MAX - len(suffix)] + suffix
    return base


def purge_expired(now: float | None = None) -> int:
    """Remove the staged uploads whose time is up; how many were removed."""
    now = time.time() if now is None else now
    removed = 0
    folder = staging_dir()
    if not folder.is_dir():
        return 0
    for entry in folder.iterdir():
        meta = _read_meta(entry)
        if meta is None or meta.get("expires", 0) <= now:
            shutil.rmtree(entry, ignore_errors=True)
            removed += 1
    return removed


def dry_run(engine: sa.Engine, user: User | None, stream, filename: str | None, *,
            layer: str | None = None, replace: bool = False, skip_invalid: bool = False
            ) -> DryRun:
    """Stage the uploaded *stream* and run the importer on it without writing anything."""
    user = require(user, "planner")
    name = safe_name(filename)
    if layer:
        _check_layer(layer)
    purge_expired()
    upload_id = secrets.token_urlsafe(18)
    folder = staging_dir() / upload_id
    folder.mkdir(parents=True)
    path = folder / name
    try:
        with path.open("wb") as out:
            shutil.copyfileobj(stream, out, 1024 * 1024)
        if path.stat().st_size == 0:
            raise InvalidInput(f"{name} is empty: choose the file again")
        options = ImportOptions(layer=layer or None, dry_run=True, skip_invalid=skip_invalid,
                                actor=user.username)
        diff: dict[str, dict[str, Any]] = {}
        fingerprint: dict[str, list[int]] = {}

        def before(conn, written):
            fingerprint.update({t: _fingerprint(conn, t) for t, _, _ in written})

        def after(conn, written):
            diff.update(_diff(conn, written, replace))

        try:
            report = import_paths(engine, [path], options, before_write=before,
                                  after_write=after)
            committable = True
        except ValidationFailed as exc:
            if exc.report is None or not fingerprint:  # the file was refused as a whole
                raise
            report, committable = exc.report, False
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    layers = sorted(fingerprint)
    meta = {"id": upload_id, "file": name, "layer": layer or None, "layers": layers,
            "actor": user.username, "created": time.time(),
            "expires": time.time() + TTL_SECONDS, "replace": replace,
            "skip_invalid": skip_invalid, "fingerprint": fingerprint,
            "committable": committable,
            "conflicts": len(diff.get("conflicts", {}).get("features", []))}
    (folder / "meta.json").write_text(json.dumps(meta, ensure_ascii=False))
    return DryRun(upload_id, report, diff, meta)


def commit(engine: sa.Engine, user: User | None, upload_id: str, *,
           overwrite: bool = False) -> ImportReport:
    """Import the staged upload *upload_id* for real, in one transaction, as its dry run
    showed it (with *replace*, deleting the live features the file no longer has)."""
    user = require(user, "planner")
    folder, meta = _staged(upload_id)
    if meta["actor"] != user.username and user.role != "admin":
        raise NotFound(f"no upload {upload_id!r} of yours")
    if not meta["committable"]:
        raise Conflict("this upload's dry run rejected features: fix the file and upload it "
                       "again (or tick 'skip invalid features')")
    if meta["conflicts"] and not overwrite:
        raise Conflict(f"{meta['conflicts']} feature(s) were edited since their last import "
                       "and the file would overwrite them: commit with overwrite to replace "
                       "those edits, or cancel")
    path = folder / meta["file"]
    options = ImportOptions(layer=meta["layer"], skip_invalid=meta["skip_invalid"],
                            actor=user.username)

    def before(conn, written):
        for target, _, _ in written:
            conn.exec_driver_sql(
                f"LOCK TABLE {layer_table(target).name} IN SHARE ROW EXCLUSIVE MODE")
            if _fingerprint(conn, target) != meta["fingerprint"].get(target):
                raise Conflict(f"{target} changed since this upload's dry run: run the dry "
                               "run again (upload the file again) before committing")

    def after(conn, written):
        deleted_by_layer = {}
        if meta["replace"]:
            for target, staging, source in written:
                table = layer_table(target).name
                keep = _rejected_ids(source)
                deleted = conn.execute(sa.text(
                    f"DELETE FROM {table} t WHERE NOT EXISTS (SELECT 1 FROM {staging} s "
                    "WHERE s.fid = t.fid) AND NOT (t.fid = ANY(:keep)) RETURNING t.fid"),
                    {"keep": keep}).scalars().all()
                if deleted:
                    source.notes.append(f"replace: deleted {len(deleted)} feature(s) the file "
                                        "no longer has")
                    deleted_by_layer[target] = deleted
        record_project_edits(conn, [t for t, _, _ in written], user.label)
        for target, deleted in deleted_by_layer.items():
            conn.execute(sa.text("DELETE FROM project_features WHERE layer = :layer "
                                 "AND fid = ANY(:fids)"), {"layer": target, "fids": deleted})

    report = import_paths(engine, [path], options, before_write=before, after_write=after)
    shutil.rmtree(folder, ignore_errors=True)
    return report


def cancel(user: User | None, upload_id: str) -> None:
    """Forget the staged upload *upload_id* (its file is removed)."""
    user = require(user, "planner")
    folder, meta = _staged(upload_id)
    if meta["actor"] != user.username and user.role != "admin":
        raise NotFound(f"no upload {upload_id!r} of yours")
    shutil.rmtree(folder, ignore_errors=True)


def _staged(upload_id: str) -> tuple[Path, dict[str, Any]]:
    if not _ID.match(upload_id or ""):
        raise NotFound(f"no upload {upload_id!r}: upload the file again")
    folder = staging_dir() / upload_id
    meta = _read_meta(folder)
    if meta is None:
        raise NotFound(f"no upload {upload_id!r} (committed, cancelled or never made): "
                       "upload the file again")
    if meta["expires"] <= time.time():
        shutil.rmtree(folder, ignore_errors=True)
        raise NotFound(f"upload {upload_id!r} expired (a dry run waits "
                       f"{TTL_SECONDS // 3600} h): upload the file again")
    return folder, meta


def _read_meta(folder: Path) -> dict[str, Any] | None:
    try:
        return json.loads((folder / "meta.json").read_text())
    except (OSError, ValueError):
        return None


def _check_layer(name: str) -> None:
    if name not in layer_names():
        raise ImportRefused(f"{name!r} is not a layer; one of: {', '.join(layer_names())}")


def _fingerprint(conn: sa.Connection, layer: str) -> list[int]:
    """What changes whenever *layer* does (:func:`layers.storage.db.change_stamp`: its row
    count and newest row version), as JSON keeps it."""
    (_, rows, newest), = change_stamp(conn, [layer_table(layer)])
    return [int(rows), int(newest or 0)]


def _rejected_ids(source: SourceReport) -> list[str]:
    return sorted({str(p.feature) for p in source.problems
                   if p.action == "rejected" and p.feature is not None})


def _diff(conn: sa.Connection, written: list[tuple[str, str, SourceReport]], replace: bool
          ) -> dict[str, dict[str, Any]]:
    """Added, changed, removed and conflicting features of this (uncommitted) import (a
    removed feature conflicts only when the upload *replace*s the layer: else it stays)."""
    out = {kind: {"type": "FeatureCollection", "features": []}
           for kind in ("added", "changed", "removed", "conflicts")}
    for target, staging, source in written:
        table = layer_table(target).name
        rows = conn.execute(sa.text(
            "SELECT n.fid, n.op, n.attrs AS after, ST_AsGeoJSON(n.geom, 7) AS geometry, "
            "o.attrs AS before, ST_AsGeoJSON(o.geom, 7) AS before_geometry, "
            "o.channel AS last_channel, o.actor AS last_actor, o.valid_from AS last_at, "
            "o.version AS last_version "
            "FROM feature_versions n LEFT JOIN feature_versions o ON o.layer = n.layer "
            "AND o.fid = n.fid AND o.valid_to = now() AND o.version = n.version - 1 "
            "WHERE n.layer = :layer AND n.valid_from = now() AND n.op IN ('insert', 'update') "
            "ORDER BY n.fid"), {"layer": target}).mappings().all()
        for row in rows:
            feature = _feature(target, row["fid"], row["geometry"], row["after"])
            if row["op"] == "insert":
                out["added"]["features"].append(feature)
                continue
            feature["before"] = {"geometry": _geometry(row["before_geometry"]),
                                 "properties": _attrs(row["before"])}
            out["changed"]["features"].append(feature)
            if row["last_channel"] != "import":
                out["conflicts"]["features"].append(_conflict(target, row, row["before"],
                                                              row["before_geometry"]))
        removed = conn.execute(sa.text(
            f"SELECT t.fid, ST_AsGeoJSON(t.geom, 7) AS geometry, to_jsonb(t) - 'geom' - 'fid' "
            "AS attrs, v.channel AS last_channel, v.actor AS last_actor, "
            "v.valid_from AS last_at, v.version AS last_version "
            f"FROM {table} t LEFT JOIN feature_versions v ON v.layer = :layer "
            "AND v.fid = t.fid AND v.valid_to IS NULL "
            f"WHERE NOT EXISTS (SELECT 1 FROM {staging} s WHERE s.fid = t.fid) "
            "AND NOT (t.fid = ANY(:keep)) ORDER BY t.fid"),
            {"layer": target, "keep": _rejected_ids(source)}).mappings().all()
        for row in removed:
            out["removed"]["features"].append(
                _feature(target, row["fid"], row["geometry"], row["attrs"]))
            if replace and row["last_channel"] not in ("import", None):
                out["conflicts"]["features"].append(_conflict(target, row, row["attrs"],
                                                              row["geometry"]))
    return out


def _conflict(layer: str, row, attrs, geometry) -> dict[str, Any]:
    feature = _feature(layer, row["fid"], geometry, attrs)
    at = row["last_at"]
    feature["edit"] = {"version": row["last_version"], "channel": row["last_channel"],
                       "actor": row["last_actor"], "at": at.isoformat() if at else None}
    return feature


def _feature(layer: str, fid: str, geometry: str | None, attrs: dict | None) -> dict[str, Any]:
    return {"type": "Feature", "id": fid, "geometry": _geometry(geometry),
            "properties": {"layer": layer, **_attrs(attrs)}}


def _geometry(text: str | None) -> dict | None:
    return json.loads(text) if text else None


def _attrs(attrs: dict | None) -> dict[str, Any]:
    return {k: v for k, v in (attrs or {}).items() if k not in ("source", "imported_at")}
