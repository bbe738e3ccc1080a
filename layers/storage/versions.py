"""Every version of every feature: who writes a change and why, each feature's history, and
a layer as it was at an instant (time travel).

The versions themselves are written by the database (migration 0010's triggers on every
layer table), so no channel can forget to: an import, an edit on the map, the API, a restore
of an earlier version and a statement typed in psql all leave the previous state behind.
What the database cannot know, who did it through which channel and why, a writer says
first with :func:`stamp`, for its transaction only.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import sqlalchemy as sa

from geo.errors import InvalidInput, NotFound
from layers.storage.models import _SQL_TYPES, LAYER_TABLES, feature_versions
from layers.storage.spec import LayerSpec

#: The channels a change comes through.  ``sql`` is what the triggers record when no writer
#: stamped the transaction (a statement typed in psql); ``restore`` writes no version at all
#: (a restore of a backup brings the backup's own versions).
CHANNELS = ("map", "api", "import", "restore-version", "cli", "sql", "restore")
#: The longest note kept with a change.
NOTE_MAX = 2000


def stamp(conn: sa.Connection, *, actor: str, channel: str, note: str | None = None) -> None:
    """Say who changes features in *conn*'s transaction, through which channel and why.

    Settings local to the transaction: they end with it, so a pooled connection never
    carries one writer's name into the next one's changes.
    """
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}; one of {', '.join(CHANNELS)}")
    if note is not None and len(note) > NOTE_MAX:
        raise InvalidInput(f"the note is {len(note)} characters long; keep it to {NOTE_MAX}")
    conn.execute(sa.text(
        "SELECT set_config('lianchuang.actor', :actor, true), "
        "set_config('lianchuang.channel', :channel, true), "
        "set_config('lianchuang.note', :note, true)"),
        {"actor": actor, "channel": channel, "note": note or ""})


def history(conn: sa.Connection, layer: str, fid: str) -> list[dict[str, Any]]:
    """Every version of feature *fid* of *layer*, oldest first, as GeoJSON features whose
    ``properties`` are the feature's fields and whose ``version`` member says which version,
    what was done (insert, update, delete), when it held, by whom, through what and why.

    Raises :class:`NotFound` when the feature never existed.
    """
    v = feature_versions.c
    rows = conn.execute(
        sa.select(v.version, v.op, v.valid_from, v.valid_to, v.attrs, v.actor, v.channel,
                  v.note, sa.func.ST_AsGeoJSON(v.geom, 7).label("geometry"))
        .where(v.layer == layer, v.fid == fid).order_by(v.version)).mappings().all()
    if not rows:
        raise NotFound(f"{layer} has no feature {fid!r}, and never had one")
    return [{
        "type": "Feature", "id": fid,
        "geometry": json.loads(row["geometry"]) if row["geometry"] else None,
        "properties": {k: val for k, val in row["attrs"].items()
                       if k not in ("source", "imported_at")},
        "version": {"number": row["version"], "op": row["op"],
                    "valid_from": _iso(row["valid_from"]), "valid_to": _iso(row["valid_to"]),
                    "current": row["valid_to"] is None and row["op"] != "delete",
                    "actor": row["actor"], "channel": row["channel"], "note": row["note"],
                    "source": row["attrs"].get("source")},
    } for row in rows]


def as_of(spec: LayerSpec, moment: dt.datetime) -> sa.Subquery:
    """Layer *spec* as it was at *moment*: a subquery with the layer table's columns (fid,
    the fields, geom, source, imported_at) holding the versions valid then."""
    if moment.tzinfo is None:
        raise ValueError("as_of needs an aware datetime")
    v = feature_versions.c
    table = LAYER_TABLES[spec.name]
    fields = [sa.cast(v.attrs[f.name].astext, _SQL_TYPES[f.type]).label(f.name)
              for f in spec.fields]
    return (sa.select(v.fid.label("fid"), *fields,
                      sa.type_coerce(v.geom, table.c.geom.type).label("geom"),
                      v.attrs["source"].astext.label("source"),
                      sa.cast(v.attrs["imported_at"].astext,
                              sa.DateTime(timezone=True)).label("imported_at"))
            .where(v.layer == spec.name, v.op != "delete", held_at(moment))
            .subquery(spec.name))


def held_at(moment: dt.datetime) -> sa.ColumnElement[bool]:
    """The versions that held at *moment* (valid_from <= moment < valid_to), written as the
    expression of the index ``ix_feature_versions_when`` so that it is used."""
    v = feature_versions.c
    return sa.func.tstzrange(sa.func.least(v.valid_from, v.valid_to), v.valid_to).op("@>")(
        sa.cast(moment, sa.DateTime(timezone=True)))


def _iso(moment: dt.datetime | None) -> str | None:
    return moment.astimezone(dt.timezone.utc).isoformat().replace("+00:00", "Z") if moment else None
