"""The query parameters of OGC API – Features, checked: CRS (Part 2), bbox, datetime, properties.

Coordinates and axis order (Part 2).  Items come in CRS84 (longitude, latitude) unless
``crs`` asks for another offered CRS; the coordinates are then in that CRS's axis order as
EPSG defines it: EPSG:4326 and EPSG:4490 are latitude, longitude; the CGCS2000 3-degree
Gauss-Krüger zones (EPSG:4534–4554, e.g. EPSG:4545 for Xixiang) are northing, easting (EPSG
names the first axis X, pointing north).  ``bbox`` is read in ``bbox-crs``'s axis order the
same way.  The order is read from the EPSG definition (pyproj), not listed by hand.

Time.  A ``datetime`` instant (``2024-05-01T08:00:00Z``) answers the layer as it was at
that instant, from the features' versions (:func:`layers.storage.versions.as_of`): time
travel.  A date or an interval filters on ``imported_at`` (when the feature last changed),
the only timestamp every layer has; a date without a time (``2024-05-01``) means that whole
day in the county's time zone (:mod:`layers.clock`), as a planner means it.

Every parameter a client can get wrong raises :class:`layers.serving.query.InvalidQuery` (400) saying
what is allowed.  :mod:`layers.serving.ogc` answers the validated :class:`ItemsQuery`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import re
from functools import lru_cache
from typing import Any, Mapping

from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError

from geo.crs import gauss_kruger_epsg
from geo.errors import GeoInputError
from layers import clock
from layers.serving.query import BBox, InvalidQuery, Page
from layers.storage.models import STORAGE_SRID
from layers.storage.spec import LayerSpec

#: OGC's longitude-latitude WGS84, the default of OGC API - Features.
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
#: Geographic CRSs offered for every collection, besides the Gauss-Krüger zone of its data.
GEOGRAPHIC_CRS = (CRS84, "http://www.opengis.net/def/crs/EPSG/0/4326",
                  "http://www.opengis.net/def/crs/EPSG/0/4490")
#: Query parameters of ``/items`` besides the layer's own fields.
ITEMS_PARAMS = ("f", "lang", "bbox", "bbox-crs", "crs", "datetime", "limit", "offset")
#: Decimal places of output coordinates: 1e-7° is about 1 cm; projected metres to the mm.
DEGREE_DIGITS, METRE_DIGITS = 7, 3
# EPSG codes have at most 6 digits; a longer run of digits is no code (and int() of
# thousands of digits raises).
_EPSG_URI = re.compile(r"^https?://www\.opengis\.net/def/crs/EPSG/0/(\d{1,9})$")
_CURIE = re.compile(r"^\[?EPSG:(\d{1,9})\]?$", re.IGNORECASE)
_CRS84_NAMES = {CRS84, "https://www.opengis.net/def/crs/OGC/1.3/CRS84",
                "http://www.opengis.net/def/crs/OGC/0/CRS84", "OGC:CRS84", "CRS84", "[OGC:CRS84]"}


@dataclasses.dataclass(frozen=True)
class OutputCrs:
    """A CRS the service can answer in: its URI, PostGIS SRID and EPSG axis order."""

    uri: str
    srid: int
    #: True when EPSG's first axis points north (lat/lon, northing/easting): PostGIS
    #: always works easting-first, so coordinates are flipped on the way in and out.
    north_first: bool
    geographic: bool

    @property
    def digits(self) -> int:
        return DEGREE_DIGITS if self.geographic else METRE_DIGITS

    @property
    def header(self) -> str:
        """The ``Content-Crs`` header value."""
        return f"<{self.uri}>"


@dataclasses.dataclass(frozen=True)
class Interval:
    """A ``datetime`` filter: ``start`` and ``end`` inclusive, ``None`` for an open end.

    ``end_exclusive`` is set when the end came from a date (the day after, excluded).
    """

    start: dt.datetime | None
    end: dt.datetime | None
    end_exclusive: bool = False


@dataclasses.dataclass(frozen=True)
class ItemsQuery:
    """What ``/collections/{id}/items`` was asked for, validated."""

    bbox: tuple[float, float, float, float] | None = None
    bbox_crs: OutputCrs | None = None
    crs: OutputCrs | None = None
    datetime: Interval | None = None
    #: A ``datetime`` instant (a date-time, not a date or an interval): the layer as it was
    #: then, from the features' versions.
    as_of: dt.datetime | None = None
    properties: tuple[tuple[str, Any], ...] = ()
    page: Page = Page()


# --- CRS ----------------------------------------------------------------------------------


def parse_crs(text: str, parameter: str = "crs") -> OutputCrs:
    """The CRS a ``crs`` or ``bbox-crs`` value names (URI, or ``EPSG:n`` as a convenience)."""
    value = text.strip()
    if value in _CRS84_NAMES:
        return OutputCrs(CRS84, STORAGE_SRID, north_first=False, geographic=True)
    match = _EPSG_URI.match(value) or _CURIE.match(value)
    if not match:
        raise InvalidQuery(f"{parameter} {text!r} is not a CRS URI; use e.g. {CRS84} or "
                           "http://www.opengis.net/def/crs/EPSG/0/4326")
    return _epsg_crs(int(match.group(1)), parameter)


@lru_cache(maxsize=64)
def _epsg_crs(code: int, parameter: str) -> OutputCrs:
    try:
        crs = CRS.from_epsg(code)
    except CRSError:
        raise InvalidQuery(f"{parameter}: EPSG:{code} is not a known CRS") from None
    north_first = crs.axis_info[0].direction.lower() == "north"
    return OutputCrs(f"http://www.opengis.net/def/crs/EPSG/0/{code}", code, north_first,
                     crs.is_geographic)


def offered_crs(extent: list[float] | None) -> list[str]:
    """CRS URIs offered for a collection with this CRS84 *extent* (``None``: empty layer)."""
    offered = list(GEOGRAPHIC_CRS)
    zone = _zone_of(extent)
    if zone:
        offered.append(f"http://www.opengis.net/def/crs/EPSG/0/{zone}")
    return offered


def _zone_of(extent: list[float] | None) -> int | None:
    if not extent:
        return None
    try:
        return gauss_kruger_epsg((extent[0] + extent[2]) / 2)
    except GeoInputError:  # data outside China has no CGCS2000 zone to offer
        return None


# --- query parameters ---------------------------------------------------------------------


def items_query(spec: LayerSpec, args: Mapping[str, str], page: Page) -> ItemsQuery:
    """Validate the item query parameters in *args* (single values) for layer *spec*.

    Whether a projected ``crs`` is offered depends on the data, so :func:`items` checks it.
    """
    for name, value in args.items():
        if "\x00" in value:  # PostgreSQL text cannot hold one: refuse it before any query
            raise InvalidQuery(f"{name} must not contain a NUL character (%00)")
    crs = parse_crs(args["crs"]) if "crs" in args else None
    bbox_crs = parse_crs(args["bbox-crs"], "bbox-crs") if "bbox-crs" in args else None
    if bbox_crs and "bbox" not in args:
        raise InvalidQuery("bbox-crs was given without bbox")
    bbox = _bbox(args["bbox"], bbox_crs) if "bbox" in args else None
    interval = parse_datetime(args["datetime"]) if "datetime" in args else None
    as_of = None
    if interval is not None and "/" not in args["datetime"] and not interval.end_exclusive:
        as_of, interval = interval.start, None  # an instant: time travel
    return ItemsQuery(bbox=bbox, bbox_crs=bbox_crs, crs=crs, datetime=interval, as_of=as_of,
                      properties=property_filters(spec, args), page=page)


def property_filters(spec: LayerSpec, args: Mapping[str, str]) -> tuple[tuple[str, Any], ...]:
    """``field=value`` equality filters on the layer's fields, values in the field's type.

    A coded field takes its code or either label (``road_class=主干路``); anything that is
    neither a field nor an item parameter is refused, naming what is accepted.
    """
    fields = {f.name: f for f in spec.fields}
    unknown = sorted(set(args) - set(fields) - set(ITEMS_PARAMS))
    if unknown:
        raise InvalidQuery(f"unknown parameter(s) {', '.join(map(repr, unknown))}; items of "
                           f"{spec.name} take {', '.join(ITEMS_PARAMS)} and its fields "
                           f"{', '.join(fields)}")
    filters = []
    for name in (n for n in fields if n in args):
        try:
            value = fields[name].coerce(args[name])
        except ValueError as exc:
            raise InvalidQuery(f"{name}: {exc}") from None
        if value is None:
            raise InvalidQuery(f"{name} is empty; give a value or leave the parameter out")
        filters.append((name, value))
    return tuple(filters)


def parse_datetime(text: str) -> Interval:
    """An RFC 3339 instant or interval (``a/b``, ``../b``, ``a/..``), or a date (whole day)."""
    if "/" not in text:
        start, end, is_date = _instant(text)
        return Interval(start, end, end_exclusive=is_date)
    first, _, second = text.partition("/")
    start = None if first in ("", "..") else _instant(first)[0]
    end, end_exclusive = None, False
    if second not in ("", ".."):
        _, end, end_exclusive = _instant(second)
    if start is None and end is None:
        raise InvalidQuery("datetime interval is open at both ends; leave datetime out instead")
    if start is not None and end is not None and start > end:
        raise InvalidQuery(f"datetime interval {text!r} ends before it starts")
    return Interval(start, end, end_exclusive)


def _instant(text: str) -> tuple[dt.datetime, dt.datetime, bool]:
    """(start, end, is_date) of one RFC 3339 value; a date spans its whole day in the
    county's zone."""
    value = text.strip()
    try:
        if len(value) == 10:
            day = dt.date.fromisoformat(value)
            if day >= dt.date.max - dt.timedelta(days=1):
                raise InvalidQuery(f"datetime {text!r} is beyond the last date that can be "
                                   "searched (9999-12-30)")
            return clock.day_start(day), clock.day_start(day + dt.timedelta(days=1)), True
        moment = dt.datetime.fromisoformat(value.replace("z", "Z").replace("Z", "+00:00"))
    except ValueError:
        moment = None
    if moment is None or "T" not in value.upper():
        raise InvalidQuery(f"datetime {text!r} is not an RFC 3339 date-time or date; use e.g. "
                           "2024-05-01T08:00:00Z, 2024-05-01, or an interval 2024-01-01/..")
    if moment.tzinfo is None:
        raise InvalidQuery(f"datetime {text!r} has no time zone; add Z (UTC) or an offset "
                           "such as +08:00")
    return moment, moment, False


def _bbox(text: str, bbox_crs: OutputCrs | None) -> tuple[float, float, float, float]:
    """``bbox`` as (minx, miny, maxx, maxy) easting-first, in *bbox_crs* (CRS84 if none)."""
    try:
        numbers = [float(part) for part in text.split(",")]
    except ValueError:
        numbers = []
    if len(numbers) == 6:  # minx,miny,minz,maxx,maxy,maxz: heights play no part here
        numbers = numbers[0:2] + numbers[3:5]
    if len(numbers) != 4:
        raise InvalidQuery(f"bbox must be 4 (or 6) comma-separated numbers; got {text!r}")
    if bbox_crs and bbox_crs.north_first:
        numbers = [numbers[1], numbers[0], numbers[3], numbers[2]]
    if bbox_crs is None or bbox_crs.geographic:
        box = BBox(*numbers)  # checks ranges and order, with a message saying how
        return box.minx, box.miny, box.maxx, box.maxy
    if numbers[0] > numbers[2] or numbers[1] > numbers[3]:
        raise InvalidQuery(f"bbox {text!r}: the lower corner must come first, in the axis "
                           f"order of {bbox_crs.uri}")
    _check_projectable(numbers, bbox_crs, text)
    return tuple(numbers)


def _check_projectable(numbers: list[float], bbox_crs: OutputCrs, text: str) -> None:
    """Refuse a projected bbox whose corners have no longitude and latitude (PostGIS would
    fail with 'point outside of projection domain')."""
    to_lonlat = Transformer.from_crs(bbox_crs.srid, 4326, always_xy=True)
    lon, lat = to_lonlat.transform([numbers[0], numbers[2]], [numbers[1], numbers[3]])
    if not all(math.isfinite(v) for v in (*lon, *lat)) or \
            max(map(abs, lon)) > 180 or max(map(abs, lat)) > 90:
        raise InvalidQuery(f"bbox {text!r} lies outside the area {bbox_crs.uri} can describe; "
                           "give metres of that zone (or leave bbox-crs out and give lon/lat)")


