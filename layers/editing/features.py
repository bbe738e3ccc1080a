"""Writing features one at a time: create, replace, update (merge patch) and delete, as the
map's editor and OGC API – Features Part 4 ask, under one set of rules (docs/editing.md).

- **Who.** Planners and admins write; a planner only features linked to no project or to a
  project of their own department, and links a feature only to such a project.
- **What.** A body is checked and repaired exactly as an import is
  (:func:`layers.exchange.validate.validate_layer`): fields by the layer's spec (a code or
  either label), the geometry made valid, of the layer's family, in 2D, reprojected from the
  CRS it came in.  What was repaired is answered; what cannot be stored is refused (400),
  naming the field and why.
- **Versions.** The database keeps every version (:mod:`layers.storage.versions`); a write
  stamps who, through which channel and why.  The ETag of a feature is its version number;
  a write that names a version (If-Match) other than the current one is refused (412),
  with the current feature to compare.
"""

from __future__ import annotations

import dataclasses
import json
import secrets
from typing import Any

import geopandas as gpd
import shapely
import sqlalchemy as sa
from shapely.geometry import mapping, shape

from geo.errors import Conflict, InvalidInput, LianchuangError, NotFound
from layers.exchange.import_report import SourceReport
from layers.exchange.validate import validate_layer
from layers.storage import versions
from layers.storage.catalogue import get_layer
from layers.storage.models import (
    feature_versions,
    layer_table,
    project_features,
    projects,
)
from layers.storage.spec import LayerSpec
from layers.tracking.accounts import Forbidden, User, require
from layers.tracking.workflow import record_link

#: The longest feature id a client may choose.
FID_MAX = 200


class PreconditionFailed(LianchuangError):
    """The feature changed since the version the writer read (412)."""

    status = 412

    def __init__(self, message: str, current: dict[str, Any], version: int | None):
        super().__init__(message)
        self.current, self.version = current, version

    def body_members(self) -> dict:
        """The feature as it is now, to set beside the writer's own change."""
        return {"current": {"type": "Feature", **self.current, "version": self.version}}

    def headers(self) -> dict[str, str]:
        return {"ETag": f'"{self.version}"'} if self.version is not None else {}


@dataclasses.dataclass
class Written:
    """What a write did: the feature's id, its new version (``None`` once deleted) and the
    repairs and notes the validation made."""

    fid: str
    version: int | None
    repairs: list[str]
    notes: list[str]


def create(engine: sa.Engine, user: User | None, layer: str, body: dict[str, Any], *,
           channel: str, crs: tuple[int, bool] = (4326, False)) -> Written:
    """Add the GeoJSON feature *body* to *layer*; its ``id`` if it gives one (409 if taken),
    else a new one.  *crs* is (EPSG code, latitude/northing first) of its coordinates."""
    user = require(user, "planner")
    spec = get_layer(layer)
    fid = _fid(body.get("id")) or f"{spec.name[:2]}-{secrets.token_hex(5)}"
    row, report = _checked(spec, fid, body.get("geometry"), _properties(body), crs)
    codes = _project_codes(body)
    table = layer_table(spec.name)
    with engine.begin() as conn:
        versions.stamp(conn, actor=user.username, channel=channel, note=_note(body))
        wanted = _projects_for(conn, user, codes)
        if conn.scalar(sa.select(sa.func.count()).select_from(table).where(table.c.fid == fid)):
            raise Conflict(f"{spec.name} already has a feature {fid!r}: leave id out to get a "
                           "new one, or replace that feature with PUT")
        conn.execute(table.insert().values(**row, source=f"{channel}:{user.username}"))
        _link(conn, user, spec.name, fid, wanted)
        record_project_edits(conn, [spec.name], user.label)
        version = _version(conn, spec.name, fid)
    return Written(fid, version, *report)


def replace(engine: sa.Engine, user: User | None, layer: str, fid: str, body: dict[str, Any],
            *, channel: str, if_match: int | None, crs: tuple[int, bool] = (4326, False),
            merge: bool = False) -> Written:
    """Replace feature *fid* of *layer* by *body* (PUT), or with *merge* apply *body* as a
    JSON merge patch to it (PATCH: members given replace, ``null`` clears a field)."""
    user = require(user, "planner")
    spec = get_layer(layer)
    table = layer_table(spec.name)
    codes = _project_codes(body)
    with engine.begin() as conn:
        versions.stamp(conn, actor=user.username, channel=channel, note=_note(body))
        current = _locked(conn, spec, fid)
        _check_department(conn, user, spec.name, fid)
        _check_version(conn, spec, fid, if_match, current)
        if merge:
            geometry = body["geometry"] if "geometry" in body else current["geometry"]
            properties = {**current["properties"], **_properties(body)}
            properties = {k: v for k, v in properties.items() if v is not None}
        else:
            geometry, properties = body.get("geometry"), _properties(body)
        row, report = _checked(spec, fid, geometry, properties,
                               crs if "geometry" in body else (4326, False))
        wanted = _projects_for(conn, user, codes)
        conn.execute(table.update().where(table.c.fid == fid)
                     .values(**{k: v for k, v in row.items() if k != "fid"},
                             source=f"{channel}:{user.username}"))
        _link(conn, user, spec.name, fid, wanted)
        record_project_edits(conn, [spec.name], user.label)
        version = _version(conn, spec.name, fid)
    return Written(fid, version, *report)


def delete(engine: sa.Engine, user: User | None, layer: str, fid: str, *, channel: str,
           if_match: int | None, note: str | None = None) -> Written:
    """Delete feature *fid* of *layer*; its versions stay (the delete is the last one)."""
    user = require(user, "planner")
    spec = get_layer(layer)
    table = layer_table(spec.name)
    with engine.begin() as conn:
        versions.stamp(conn, actor=user.username, channel=channel, note=note)
        current = _locked(conn, spec, fid)
        _check_department(conn, user, spec.name, fid)
        _check_version(conn, spec, fid, if_match, current)
        conn.execute(table.delete().where(table.c.fid == fid))
        record_project_edits(conn, [spec.name], user.label)
        conn.execute(project_features.delete().where(project_features.c.layer == spec.name,
                                                     project_features.c.fid == fid))
    return Written(fid, None, [], [])


def restore_version(engine: sa.Engine, user: User | None, layer: str, fid: str, number: int,
                    *, if_match: int | None, note: str | None = None) -> Written:
    """Bring feature *fid* back to its version *number*, as a new version (channel
    ``restore-version``): a deleted feature comes back, a live one takes that state."""
    user = require(user, "planner")
    spec = get_layer(layer)
    table = layer_table(spec.name)
    v = feature_versions.c
    with engine.begin() as conn:
        versions.stamp(conn, actor=user.username, channel="restore-version",
                       note=note or f"restored version {number}")
        old = conn.execute(sa.select(v.op, v.attrs, v.geom).where(
            v.layer == spec.name, v.fid == fid, v.version == number)).mappings().first()
        if old is None or old["op"] == "delete":
            raise NotFound(f"{spec.name} {fid!r} has no version {number} to restore"
                           + (" (that version is its deletion)" if old else ""))
        values = {f.name: old["attrs"].get(f.name) for f in spec.fields}
        values.update(geom=old["geom"], source=f"restore-version:{user.username}")
        exists = conn.execute(sa.select(table.c.fid).where(table.c.fid == fid)
                              .with_for_update()).first()
        if exists:
            current = _locked(conn, spec, fid)
            _check_department(conn, user, spec.name, fid)
            _check_version(conn, spec, fid, if_match, current)
            conn.execute(table.update().where(table.c.fid == fid).values(**values))
        else:
            conn.execute(table.insert().values(fid=fid, **values))
        record_project_edits(conn, [spec.name], user.label)
        version = _version(conn, spec.name, fid)
    return Written(fid, version, [], [])


def merge(engine: sa.Engine, user: User | None, layer: str, fid: str, other: str, *,
          channel: str, if_match: int | None, other_if_match: int | None,
          note: str | None = None) -> Written:
    """Merge feature *other* of *layer* into *fid* in one transaction: *fid* takes the union
    of both geometries (its own attributes and links kept, checked and repaired as any
    write), *other* is deleted; either changed since the writer read it is a 412."""
    user = require(user, "planner")
    spec = get_layer(layer)
    table = layer_table(spec.name)
    if other == fid:
        raise InvalidInput(f"other: {fid!r} cannot be merged with itself; choose a second "
                           "feature of the layer")
    with engine.begin() as conn:
        versions.stamp(conn, actor=user.username, channel=channel,
                       note=note or f"merged {other} into {fid}")
        current = _locked(conn, spec, fid)
        absorbed = _locked(conn, spec, other)
        for each, version, found in ((fid, if_match, current), (other, other_if_match,
                                                                absorbed)):
            _check_department(conn, user, spec.name, each)
            _check_version(conn, spec, each, version, found)
        union = shapely.union(shape(current["geometry"]), shape(absorbed["geometry"]))
        row, report = _checked(spec, fid, mapping(union),
                               {k: v for k, v in current["properties"].items()
                                if v is not None}, (4326, False))
        conn.execute(table.update().where(table.c.fid == fid)
                     .values(**{k: v for k, v in row.items() if k != "fid"},
                             source=f"{channel}:{user.username}"))
        conn.execute(table.delete().where(table.c.fid == other))
        record_project_edits(conn, [spec.name], user.label)  # both features' projects
        conn.execute(project_features.delete().where(project_features.c.layer == spec.name,
                                                     project_features.c.fid == other))
        version = _version(conn, spec.name, fid)
    return Written(fid, version, *report)


def record_project_edits(conn: sa.Connection, layers: list[str], actor: str) -> None:
    """One ``feature`` event in the history of every project linked to a feature of *layers*
    that this transaction changed (its versions written now), with the version's link."""
    conn.execute(sa.text(
        "INSERT INTO project_events (project_id, actor, kind, status, progress, note, data) "
        "SELECT p.id, :actor, 'feature', p.status, p.progress, v.layer || ' ' || v.fid || "
        "' v' || v.version || ' (' || v.channel || ')', "
        "jsonb_build_object('feature', v.layer || ':' || v.fid, 'version', v.version, "
        "'op', v.op, 'channel', v.channel, 'versions', '/ogc/collections/' || v.layer || "
        "'/items/' || v.fid || '/versions') "
        "FROM feature_versions v JOIN project_features pf ON pf.layer = v.layer "
        "AND pf.fid = v.fid JOIN projects p ON p.id = pf.project_id "
        "WHERE v.layer = ANY(:layers) AND v.valid_from = now()"),
        {"layers": layers, "actor": actor})


def current_version(engine: sa.Engine, layer: str, fid: str) -> int | None:
    """The version number of feature *fid* as it is now (its ETag), ``None`` if none."""
    with engine.connect() as conn:
        return _version(conn, get_layer(layer).name, fid)


# --- checking -------------------------------------------------------------------------------


def _checked(spec: LayerSpec, fid: str, geometry: Any, properties: dict[str, Any],
             crs: tuple[int, bool]) -> tuple[dict[str, Any], tuple[list[str], list[str]]]:
    """The row to store for a feature, checked and repaired as an import would; 400 naming
    every problem otherwise."""
    geom = _geometry(geometry, crs)
    frame = gpd.GeoDataFrame({"fid": [fid], **{k: [v] for k, v in properties.items()}},
                             geometry=[geom], crs=f"EPSG:{crs[0]}")
    report = SourceReport(target=spec.name, source="the request")
    clean = validate_layer(frame, spec, report)
    rejected = [p for p in report.problems if p.action == "rejected"]
    if rejected or clean.empty:
        raise InvalidInput("the feature cannot be stored: " + "; ".join(
            f"{p.field}: {p.message}" if p.field else p.message for p in rejected))
    record = clean.iloc[0]
    row = {"fid": fid, "geom": f"SRID=4326;{shapely.to_wkt(record['geom'])}"}
    for field in spec.fields:
        value = record[field.name]
        row[field.name] = None if _missing(value) else _plain(value)
    repairs = [p.message for p in report.problems if p.action == "repaired"]
    return row, (repairs, list(report.notes))


def _geometry(geometry: Any, crs: tuple[int, bool]) -> shapely.Geometry:
    if not isinstance(geometry, dict):
        raise InvalidInput("geometry: a GeoJSON geometry object is needed, e.g. "
                           '{"type": "Point", "coordinates": [107.76, 32.98]}')
    try:
        geom = shape(geometry)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError,
            shapely.errors.ShapelyError) as exc:  # GEOS's, and an unknown geometry type
        raise InvalidInput(f"geometry: not a GeoJSON geometry ({exc or type(exc).__name__}); "
                           "give type and coordinates as RFC 7946 says") from None
    if crs[1]:  # latitude (or northing) first: put x first for the reprojection
        geom = shapely.transform(geom, lambda coords: coords[:, ::-1])
    return geom


def _properties(body: dict[str, Any]) -> dict[str, Any]:
    found = body.get("properties") or {}
    if not isinstance(found, dict):
        raise InvalidInput("properties: an object of field names and values is needed")
    return {k: v for k, v in found.items()
            if k not in ("fid", "imported_at", "display_status", "source")}


def _fid(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    if not text or len(text) > FID_MAX or "\x00" in text or "/" in text:
        raise InvalidInput(f"id: give 1 to {FID_MAX} characters without '/' (or leave it out "
                           "for a new id)")
    return text


def _note(body: dict[str, Any]) -> str | None:
    note = body.get("note")
    if note is not None and not isinstance(note, str):
        raise InvalidInput("note: a text saying why, or leave it out")
    return note or None


def _project_codes(body: dict[str, Any]) -> list[str] | None:
    codes = body.get("projects")
    if codes is None:
        return None
    if not isinstance(codes, list) or not all(isinstance(c, str) and c for c in codes):
        raise InvalidInput('projects: a list of project codes, e.g. ["DL-001"]')
    return list(dict.fromkeys(codes))


def _missing(value: Any) -> bool:
    try:
        return value is None or bool(value != value)
    except (TypeError, ValueError):
        return False


def _plain(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value


# --- the database ---------------------------------------------------------------------------


def _locked(conn: sa.Connection, spec: LayerSpec, fid: str) -> dict[str, Any]:
    """The feature as it is, locked for this transaction; 404 if there is none."""
    table = layer_table(spec.name)
    row = conn.execute(
        sa.select(table, sa.func.ST_AsGeoJSON(table.c.geom).label("geojson"))
        .where(table.c.fid == fid).with_for_update()).mappings().first()
    if row is None:
        raise NotFound(f"no feature {fid!r} in {spec.name}")
    return {"geometry": json.loads(row["geojson"]),
            "properties": {f.name: _json_value(row[f.name]) for f in spec.fields}}


def _json_value(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def _version(conn: sa.Connection, layer: str, fid: str) -> int | None:
    v = feature_versions.c
    return conn.scalar(sa.select(v.version).where(v.layer == layer, v.fid == fid,
                                                  v.valid_to.is_(None)))


def _check_version(conn: sa.Connection, spec: LayerSpec, fid: str, if_match: int | None,
                   current: dict[str, Any]) -> None:
    if if_match is None:
        return
    version = _version(conn, spec.name, fid)
    if version != if_match:
        raise PreconditionFailed(
            f"{spec.name} {fid!r} is at version {version}, not {if_match}: someone changed it "
            "since you read it; compare the two, then send your change again with the new ETag",
            {"id": fid, **current}, version)


def _departments(conn: sa.Connection, layer: str, fid: str) -> set[str]:
    return set(conn.scalars(
        sa.select(projects.c.department).join(
            project_features, project_features.c.project_id == projects.c.id)
        .where(project_features.c.layer == layer, project_features.c.fid == fid)).all())


def _check_department(conn: sa.Connection, user: User, layer: str, fid: str) -> None:
    if user.role == "admin":
        return
    others = sorted(d for d in _departments(conn, layer, fid) if d != user.department)
    if others:
        raise Forbidden(f"{layer} {fid!r} belongs to projects of {', '.join(others)}; "
                        f"{user.username} edits only features of "
                        f"{user.department or 'no department'}'s projects or of none")


def _projects_for(conn: sa.Connection, user: User, codes: list[str] | None
                  ) -> list[dict[str, Any]] | None:
    if codes is None:
        return None
    found = {row["code"]: dict(row) for row in conn.execute(
        sa.select(projects.c.id, projects.c.code, projects.c.department, projects.c.status,
                  projects.c.progress).where(projects.c.code.in_(codes))).mappings()}
    unknown = [c for c in codes if c not in found]
    if unknown:
        raise InvalidInput(f"projects: no project {', '.join(map(repr, unknown))}; give codes "
                           "from the ledger")
    for row in found.values():
        if user.role != "admin" and row["department"] != user.department:
            raise Forbidden(f"project {row['code']} belongs to {row['department']}; "
                            f"{user.username} links features only to "
                            f"{user.department or 'no department'}'s projects")
    return [found[c] for c in codes]


def _link(conn: sa.Connection, user: User, layer: str, fid: str,
          wanted: list[dict[str, Any]] | None) -> None:
    """Link the feature to the *wanted* projects (those not linked yet), each recorded in the
    project's history; ``None`` leaves the links as they are."""
    if wanted is None:
        return
    linked = set(conn.scalars(sa.select(project_features.c.project_id).where(
        project_features.c.layer == layer, project_features.c.fid == fid)).all())
    for project in wanted:
        if project["id"] in linked:
            continue
        record_link(conn, project, user.label, layer, fid)
