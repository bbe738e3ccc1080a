"""The changes of a what-if scenario, declared and checked: their shape, and each drawn
polygon.

:class:`ScenarioSchema` is the JSON body of ``POST /api/metrics/green/scenario``: the API
validates and documents the request with it, and :func:`parse_changes` uses it outside a
request.  A body or change of the wrong shape is refused naming the change and the field
(400); a geometry that is not a polygon in lon/lat is a :class:`geo.errors.GeoInputError`
(422).
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
import numpy as np
import shapely

from geo.errors import GeoInputError
from geo.scenario import GREEN_CLASSES, AddGreen, Change, ConvertFeature, RemoveFeature
from layers.serving.query import InvalidQuery
from layers.serving.schema_errors import schema_error_message

#: Most changes in one scenario.
MAX_CHANGES = 20
#: Most corners of one drawn polygon.
MAX_VERTICES = 5000
#: Largest scenario request body (a drawn polygon of a few thousand corners fits easily).
MAX_BODY_BYTES = 256 * 1024
class _Name(ma.fields.Field):
    """A layer name or fid: non-empty text of at most 100 characters (a fid may be a whole
    number)."""

    def __init__(self, **kwargs):
        super().__init__(required=True, metadata={"type": "string", "maxLength": 100}, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if attr == "fid" and isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        if not isinstance(value, str) or not value.strip() or len(value) > 100:
            raise ma.ValidationError(f"must be a non-empty text of at most 100 characters; "
                                     f"got {value!r:.60}")
        return value


class _Strict(ma.fields.Boolean):
    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise ma.ValidationError(f"must be true or false; got {value!r:.60}")
        return value


class _Ratio(ma.fields.Float):
    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
            raise ma.ValidationError(f"must be a number from 0 to 1; got {value!r:.60}")
        return float(value)


class _Op(ma.fields.String):
    def __init__(self, op: str):
        super().__init__(required=True, validate=ma.validate.OneOf([op]))


class _GreenClass(ma.fields.String):
    def __init__(self):
        super().__init__(data_key="class", load_default="G12", validate=ma.validate.OneOf(
            GREEN_CLASSES), metadata={"description": "Green-space class of CJJ/T 85-2017."})

    def _deserialize(self, value, attr, data, **kwargs):
        if value not in GREEN_CLASSES:
            raise ma.ValidationError(f"class must be one of {', '.join(GREEN_CLASSES)} "
                                     f"(CJJ/T 85-2017); got {value!r:.60}")
        return value


class _Polygon(ma.fields.Field):
    """A GeoJSON Polygon or MultiPolygon in lon/lat."""

    def __init__(self, **kwargs):
        super().__init__(required=True, metadata={
            "type": "object", "description": "GeoJSON Polygon or MultiPolygon in EPSG:4326",
            "properties": {"type": {"type": "string", "enum": ["Polygon", "MultiPolygon"]},
                           "coordinates": {"type": "array"}}}, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        return parse_polygon(value, "geometry")


class _Change(ma.Schema):
    class Meta:
        unknown = ma.RAISE


class RemoveChange(_Change):
    """Take a park or green space out of the layers."""

    op = _Op("remove")
    layer = _Name()
    fid = _Name()

    @ma.post_load
    def _change(self, data: dict[str, Any], **kwargs) -> Change:
        return RemoveFeature(data["layer"], data["fid"])


class ConvertChange(_Change):
    """Make a feature of another layer green space of a class."""

    op = _Op("convert")
    layer = _Name()
    fid = _Name()
    green_class = _GreenClass()
    historic = _Strict(load_default=False)
    veg_ratio = _Ratio(allow_none=True)

    @ma.post_load
    def _change(self, data: dict[str, Any], **kwargs) -> Change:
        return ConvertFeature(data["layer"], data["fid"], green_class=data["green_class"],
                              historic=data["historic"], veg_ratio=data.get("veg_ratio"))


class AddGreenChange(_Change):
    """Add a drawn polygon as green space of a class."""

    op = _Op("add_green")
    geometry = _Polygon()
    name = ma.fields.String(load_default="规划绿地", metadata={"maxLength": 100})
    green_class = _GreenClass()
    historic = _Strict(load_default=False)
    veg_ratio = _Ratio(allow_none=True)

    @ma.post_load
    def _change(self, data: dict[str, Any], **kwargs) -> Change:
        return AddGreen(data["geometry"], crs="EPSG:4326", name=data["name"][:100],
                        green_class=data["green_class"], historic=data["historic"],
                        veg_ratio=data.get("veg_ratio"))


#: The schema of each ``op``; the document lists them as the changes a scenario takes.
CHANGE_SCHEMAS = {"add_green": AddGreenChange, "convert": ConvertChange,
                  "remove": RemoveChange}


class _ChangeField(ma.fields.Field):
    def __init__(self):
        super().__init__(metadata={"oneOf": [
            {"$ref": f"#/components/schemas/{schema.__name__}"}
            for schema in CHANGE_SCHEMAS.values()]})

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, dict) or not isinstance(value.get("op"), str) \
                or value["op"] not in CHANGE_SCHEMAS:
            raise ma.ValidationError("must be an object with op add_green, convert or remove")
        schema = CHANGE_SCHEMAS[value["op"]]()
        takes = sorted(field.data_key or name for name, field in schema.fields.items())
        unknown = sorted(set(value) - set(takes))
        if unknown:
            raise ma.ValidationError(f"has unknown field(s) {', '.join(unknown)} for op "
                                     f"{value['op']}; it takes: {', '.join(takes)}")
        return schema.load(value)


class _Changes(ma.fields.List):
    def __init__(self):
        super().__init__(_ChangeField(), required=True, metadata={
            "minItems": 1, "maxItems": MAX_CHANGES}, error_messages={"required": (
                'is required: send a JSON object {{"changes": [...]}}; title, walking and lang '
                "go in the query string")})

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, list) or not value:
            raise ma.ValidationError('must be a non-empty list of {"op": "add_green" | '
                                     '"convert" | "remove", ...} objects')
        if len(value) > MAX_CHANGES:
            raise ma.ValidationError(f"holds {len(value)} changes; a scenario holds at most "
                                     f"{MAX_CHANGES}")
        changes, errors = [], {}
        for index, item in enumerate(value):
            try:
                changes.append(self.inner.deserialize(item, **kwargs))
            except ma.ValidationError as error:
                errors[index] = error.messages
            except GeoInputError as exc:  # a 422 still names the change it is about
                raise GeoInputError(f"changes.{index}.{exc}") from None
        if errors:
            raise ma.ValidationError(errors)
        return changes


class ScenarioSchema(ma.Schema):
    """The changes of a what-if scenario (nothing is stored)."""

    class Meta:
        unknown = ma.RAISE
        max_body_bytes = MAX_BODY_BYTES  # a drawn polygon of a few thousand corners fits

    changes = _Changes()

    @ma.post_load
    def _changes(self, data: dict[str, Any], **kwargs) -> list[Change]:
        return data["changes"]


def parse_changes(body: Any) -> list[Change]:
    """The scenario changes of a request body ``{"changes": [...]}``.

    Raises
    ------
    layers.serving.query.InvalidQuery
        A body or change of the wrong shape (400), naming the change and the field.
    geo.errors.GeoInputError
        A geometry that is not a polygon or not in lon/lat (422).
    """
    schema = ScenarioSchema()
    if not isinstance(body, dict):
        raise InvalidQuery('send a JSON object {"changes": [...]}; title, walking and lang '
                           "go in the query string")
    try:
        return schema.load(body)
    except ma.ValidationError as exc:
        raise InvalidQuery(schema_error_message(exc.messages, body, schema)) from None


def parse_polygon(geometry: Any, where: str) -> shapely.Geometry:
    """A GeoJSON Polygon or MultiPolygon in lon/lat as a shapely geometry.

    Validity, emptiness, extent and size are judged by :mod:`geo.scenario`; here only the
    GeoJSON itself: its type, the nesting of its coordinates, finite lon/lat numbers and at
    most :data:`MAX_VERTICES` corners.
    """
    if not isinstance(geometry, dict) or not isinstance(geometry.get("type"), str):
        raise ma.ValidationError(f"{where} must be a GeoJSON object "
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
            raise ma.ValidationError(f"{where}: a position must be [longitude, latitude] "
                                     f"numbers; got {value!r:.60}")
        return [(value[0], value[1])]
    if not isinstance(value, list):
        raise ma.ValidationError(f"{where}: coordinates must be nested lists ({depth} deep "
                                 f"here); got {value!r:.60}")
    return [position for item in value for position in _positions(item, depth - 1, where)]
