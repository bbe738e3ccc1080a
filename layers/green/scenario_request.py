"""The changes of a what-if scenario, checked: their shape, and each drawn polygon.

Framework-free, like the route request: the API hands it the decoded JSON body.  A body or
change of the wrong shape is an :class:`layers.serving.query.InvalidQuery` (400) naming the
change and the field; a geometry that is not a polygon in lon/lat a
:class:`geo.errors.GeoInputError` (422).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely

from geo.errors import GeoInputError
from geo.scenario import GREEN_CLASSES, AddGreen, Change, ConvertFeature, RemoveFeature
from layers.serving.query import InvalidQuery

#: Most changes in one scenario.
MAX_CHANGES = 20
#: Most corners of one drawn polygon.
MAX_VERTICES = 5000
_CHANGE_KEYS = {
    "add_green": {"op", "geometry", "class", "name", "historic", "veg_ratio"},
    "convert": {"op", "layer", "fid", "class", "historic", "veg_ratio"},
    "remove": {"op", "layer", "fid"},
}


def parse_changes(body: Any) -> list[Change]:
    """The scenario changes of a request body ``{"changes": [...]}``.

    Raises
    ------
    layers.serving.query.InvalidQuery
        A body or change of the wrong shape (400), naming the change and the field.
    geo.errors.GeoInputError
        A geometry that is not a polygon or not in lon/lat (422).
    """
    if not isinstance(body, dict) or set(body) != {"changes"}:
        raise InvalidQuery('send a JSON object {"changes": [...]}; title, walking and lang '
                           "go in the query string")
    changes = body["changes"]
    if not isinstance(changes, list) or not changes:
        raise InvalidQuery("changes must be a non-empty list of {\"op\": \"add_green\" | "
                           "\"convert\" | \"remove\", ...} objects")
    if len(changes) > MAX_CHANGES:
        raise InvalidQuery(f"{len(changes)} changes given; a scenario holds at most "
                           f"{MAX_CHANGES}")
    return [_change(change, f"change {number}")
            for number, change in enumerate(changes, start=1)]


def _change(change: Any, where: str) -> Change:
    if not isinstance(change, dict) or change.get("op") not in _CHANGE_KEYS:
        raise InvalidQuery(f"{where}: give an object with op add_green, convert or remove")
    op = change["op"]
    unknown = sorted(set(change) - _CHANGE_KEYS[op])
    if unknown:
        raise InvalidQuery(f"{where}: unknown field(s) {', '.join(unknown)} for op {op}; "
                           f"it takes: {', '.join(sorted(_CHANGE_KEYS[op]))}")
    if op == "remove":
        return RemoveFeature(_text(change, "layer", where), _fid(change, where))
    green = {"green_class": _green_class(change, where),
             "historic": _typed(change, "historic", bool, False, where),
             "veg_ratio": _veg_ratio(change, where)}
    if op == "convert":
        return ConvertFeature(_text(change, "layer", where), _fid(change, where), **green)
    name = _typed(change, "name", str, "规划绿地", where)[:100]
    return AddGreen(parse_polygon(change.get("geometry"), where), crs="EPSG:4326", name=name,
                    **green)


def _text(change: dict, key: str, where: str) -> str:
    value = change.get(key)
    if not isinstance(value, str) or not value.strip() or len(value) > 100:
        raise InvalidQuery(f"{where}: {key} must be a non-empty text of at most 100 "
                           f"characters; got {value!r:.60}")
    return value


def _fid(change: dict, where: str) -> str:
    value = change.get("fid")
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return _text(change, "fid", where)


def _typed(change: dict, key: str, kind: type, default: Any, where: str) -> Any:
    value = change.get(key, default)
    if not isinstance(value, kind):
        raise InvalidQuery(f"{where}: {key} must be {kind.__name__}; got {value!r:.60}")
    return value


def _green_class(change: dict, where: str) -> str:
    value = change.get("class", "G12")
    if value not in GREEN_CLASSES:
        raise InvalidQuery(f"{where}: class must be one of {', '.join(GREEN_CLASSES)} "
                           f"(CJJ/T 85-2017); got {value!r:.60}")
    return value


def _veg_ratio(change: dict, where: str) -> float | None:
    value = change.get("veg_ratio")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise InvalidQuery(f"{where}: veg_ratio must be a number from 0 to 1; got {value!r:.60}")
    return float(value)


def parse_polygon(geometry: Any, where: str) -> shapely.Geometry:
    """A GeoJSON Polygon or MultiPolygon in lon/lat as a shapely geometry.

    Validity, emptiness, extent and size are judged by :mod:`geo.scenario`; here only the
    GeoJSON itself: its type, the nesting of its coordinates, finite lon/lat numbers and at
    most :data:`MAX_VERTICES` corners.
    """
    if not isinstance(geometry, dict) or not isinstance(geometry.get("type"), str):
        raise InvalidQuery(f"{where}: geometry must be a GeoJSON object "
                           '{"type": "Polygon", "coordinates": [...]} in EPSG:4326')
    kind = geometry["type"]
    if kind not in ("Polygon", "MultiPolygon"):
        raise GeoInputError(f"{where}: a {kind} cannot be green space; draw a polygon")
    depth = 3 if kind == "Polygon" else 4
    positions = _positions(geometry.get("coordinates"), depth, where)
    if len(positions) > MAX_VERTICES:
        raise GeoInputError(f"{where}: the polygon has {len(positions)} corners, more than "
                            f"{MAX_VERTICES}; simplify it")
    xy = np.asarray(positions, dtype=float).reshape(-1, 2) if positions else np.zeros((0, 2))
    if ((np.abs(xy[:, 0]) > 180) | (np.abs(xy[:, 1]) > 90)).any():
        raise GeoInputError(f"{where}: coordinates must be longitude, latitude in degrees "
                            "(EPSG:4326, RFC 7946): some lie outside ±180, ±90")
    try:
        return shapely.geometry.shape(geometry)
    except (ValueError, TypeError) as exc:  # e.g. a ring of fewer than four positions
        raise GeoInputError(f"{where}: not a polygon: {exc}") from None


def _positions(value: Any, depth: int, where: str) -> list[tuple[float, float]]:
    """The (lon, lat) positions of a GeoJSON coordinates array nested *depth* deep."""
    if depth == 1:
        numbers = (isinstance(v, (int, float)) and not isinstance(v, bool) for v in
                   (value if isinstance(value, list) else ()))
        if not isinstance(value, list) or not 2 <= len(value) <= 3 or not all(numbers):
            raise InvalidQuery(f"{where}: a position must be [longitude, latitude] numbers; "
                               f"got {value!r:.60}")
        return [(value[0], value[1])]
    if not isinstance(value, list):
        raise InvalidQuery(f"{where}: geometry coordinates must be nested lists "
                           f"({depth} deep here); got {value!r:.60}")
    return [position for item in value for position in _positions(item, depth - 1, where)]
