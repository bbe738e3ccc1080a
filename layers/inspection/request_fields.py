"""The fields of the route request's schema: each refusal starts with the field's own name
(:func:`layers.serving.schema_errors.schema_error_message` adds its path in the body)."""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

import marshmallow as ma

from layers.serving.query import InvalidQuery, plain_text
from layers.storage.catalogue import get_layer, layer_names, mission_layer_names

_CLOCK = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
#: Layers whose features linked to a project are places to inspect (its sites), in the order
#: a project's sites are listed; a link to another layer (a community 社区, the built-up
#: area...) is context, not a place to go.
SITE_LAYERS = mission_layer_names()


class Number(ma.fields.Float):
    """A finite JSON number from *low* to *high* (a whole one when *whole*)."""

    def __init__(self, low: float, high: float, *, whole: bool = False, **kwargs):
        self.low, self.high, self.whole = low, high, whole
        kind = {"type": "integer"} if whole else {}
        bounds = {"minimum": low, "maximum": high} if math.isfinite(high - low) else {}
        metadata = {**kind, **bounds, **kwargs.pop("metadata", {})}
        if whole and "load_default" in kwargs:
            metadata["default"] = int(kwargs["load_default"])
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        name = self.data_key or attr
        kind = "a whole number" if self.whole else "a number"
        if isinstance(value, bool) or not isinstance(value, (int, float)) or \
                not math.isfinite(value) or (self.whole and value != int(value)):
            raise ma.ValidationError(f"{name} must be {kind}; got {value!r}")
        if not self.low <= value <= self.high:
            raise ma.ValidationError(f"{name}={value:g} is out of range; give {self.low:g} "
                                     f"to {self.high:g}")
        return int(value) if self.whole else float(value)


class Text(ma.fields.String):
    """Plain text of at most 200 characters."""

    def _deserialize(self, value, attr, data, **kwargs):
        name = self.data_key or attr
        if not isinstance(value, str):
            raise ma.ValidationError(f"{name} must be text; got {value!r}")
        try:
            text = plain_text(value, name)
        except InvalidQuery as exc:
            raise ma.ValidationError(str(exc)) from None
        if len(text) > 200:
            raise ma.ValidationError(f"{name} is {len(text)} characters long; at most 200")
        return text


class Texts(ma.fields.Field):
    """A list of codes or labels, or one text of them separated by commas."""

    def _deserialize(self, value, attr, data, **kwargs):
        name = self.data_key or attr
        items = value.split(",") if isinstance(value, str) else value
        if not isinstance(items, list):
            raise ma.ValidationError(f"{name} must be a list of texts")
        return tuple(Text()._deserialize(item, name, data) for item in items)


class Site(ma.fields.String):
    """A project's site, ``<layer>:<fid>`` of a :data:`SITE_LAYERS` layer, as ``(layer, fid)``."""

    def __init__(self, **kwargs):
        pattern = f"^({'|'.join(SITE_LAYERS)}):.+$"
        super().__init__(metadata={"pattern": pattern, "example": "parks:PK-12", "description": (
            "One site of the project `project_id`: `<layer>:<fid>` of a feature of a mission "
            "layer linked to it, as listed by GET /api/routes/inspection/stops (its "
            "`site`)."), **kwargs.pop("metadata", {})}, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        name = self.data_key or attr
        layer, colon, fid = value.partition(":") if isinstance(value, str) else ("", "", "")
        how = (f"give <layer>:<fid> with a layer of {', '.join(SITE_LAYERS)} (e.g. "
               f"'parks:PK-12'); GET /api/routes/inspection/stops lists each project's sites")
        if not colon or not layer.strip() or not fid.strip():
            raise ma.ValidationError(f"{name} {value!r} is not a site; {how}")
        if layer not in SITE_LAYERS:
            kind = (f"{layer} ({get_layer(layer).zh}) is context, not a place to inspect"
                    if layer in layer_names() else f"there is no layer {layer!r}")
            raise ma.ValidationError(f"{name} {value!r} is not a site: {kind}; {how}")
        return layer, Text()._deserialize(fid.strip(), name, data)


class Clock(ma.fields.String):
    """A clock time ``HH:MM``, written back with two-digit hours."""

    def _deserialize(self, value, attr, data, **kwargs):
        match = _CLOCK.match(value.strip()) if isinstance(value, str) else None
        if not match:
            raise ma.ValidationError(f"{self.data_key or attr} must be a clock time HH:MM "
                                     f"(e.g. 08:30); got {value!r}")
        return f"{int(match[1]):02d}:{match[2]}"


class Flag(ma.fields.Boolean):
    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise ma.ValidationError(f"{self.data_key or attr} must be true or false; "
                                     f"got {value!r}")
        return value


class Day(ma.fields.Date):
    def _deserialize(self, value, attr, data, **kwargs):
        return parse_date(value, self.data_key or attr)


class Id(ma.fields.Integer):
    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value < 2**31:
            raise ma.ValidationError(f"{self.data_key or attr} must be a positive whole "
                                     f"number; got {value!r}")
        return value


def parse_date(value: Any, what: str) -> dt.date | None:
    """*value* (``YYYY-MM-DD``) as a date, ``None`` when absent."""
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        raise ma.ValidationError(f"{what} must be a date YYYY-MM-DD; got {value!r}") from None
