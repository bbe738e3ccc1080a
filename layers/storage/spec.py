"""Declarative layer specifications: the one source of truth for storage and validation.

A :class:`LayerSpec` says what a layer is (names, titles in Chinese and English), what
geometry it holds, which attributes it carries and how it is drawn.  The GeoAlchemy2 tables
(:mod:`layers.storage.models`), the import validation (:mod:`layers.exchange.validate`) and the web map's
legend are all derived from these specs, never written out a second time.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from layers.storage.text import text_problem

#: Attribute types a layer field may have, mapped to the Python type values are coerced to.
FIELD_TYPES = {"text": str, "integer": int, "real": float, "boolean": bool, "date": dt.date}

#: Geometry families; a layer accepts one or more of them and stores the multi-part form
#: for lines and polygons so that single and multi-part inputs share one column type.
GEOMETRY_FAMILIES = {
    "point": ("Point",),
    "line": ("LineString", "MultiLineString"),
    "polygon": ("Polygon", "MultiPolygon"),
}
STORED_TYPE = {"point": "POINT", "line": "MULTILINESTRING", "polygon": "MULTIPOLYGON"}

_TRUE = {"1", "true", "t", "yes", "y", "是", "有"}
_FALSE = {"0", "false", "f", "no", "n", "否", "无"}


@dataclass(frozen=True)
class Choice:
    """One allowed value of a coded field, with its labels."""

    code: str
    zh: str
    en: str


@dataclass(frozen=True)
class FieldSpec:
    """One typed attribute: of a layer, or a column of the project ledger."""

    name: str
    type: str
    zh: str
    en: str
    required: bool = False
    choices: tuple[Choice, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    max_length: int | None = None

    def __post_init__(self) -> None:
        if self.type not in FIELD_TYPES:
            raise ValueError(f"field {self.name!r}: unknown type {self.type!r}")

    @property
    def choice_codes(self) -> tuple[str, ...]:
        return tuple(c.code for c in self.choices)

    def coerce(self, value: Any) -> Any:
        """Return *value* as this field's Python type, or raise ``ValueError`` saying why.

        ``None`` (and blank text) stays ``None``; whether that is allowed is
        :meth:`check`'s business.  Choice fields accept the code or either label.
        """
        if _is_blank(value):
            return None
        if self.type == "text":
            text = str(value).strip()
            return self._choice_code(text) if self.choices else text
        if self.type == "integer":
            number = float(value)
            if not number.is_integer():
                raise ValueError(f"{value!r} is not a whole number")
            return int(number)
        if self.type == "real":
            return float(value)
        if self.type == "boolean":
            return _to_bool(value)
        return _to_date(value)

    def check(self, value: Any) -> list[str]:
        """Return every problem with an already coerced *value* (empty when it is valid)."""
        if value is None:
            return ["is required but empty"] if self.required else []
        problems = []
        if self.minimum is not None and value < self.minimum:
            problems.append(f"{value} is below the minimum {self.minimum:g}")
        if self.maximum is not None and value > self.maximum:
            problems.append(f"{value} is above the maximum {self.maximum:g}")
        if isinstance(value, str) and (problem := text_problem(value)):
            problems.append(problem)
        if self.max_length is not None and len(value) > self.max_length:
            problems.append(f"is {len(value)} characters long, more than {self.max_length}")
        return problems

    def _choice_code(self, text: str) -> str:
        for choice in self.choices:
            if text in (choice.code, choice.zh, choice.en):
                return choice.code
        allowed = ", ".join(f"{c.code} ({c.zh})" for c in self.choices)
        raise ValueError(f"{text!r} is not one of the allowed values: {allowed}")


#: Fills an area symbol may have besides a plain colour (drawn by webmap/static/js/map-symbols.js).
FILL_PATTERNS = ("hatch", "cross", "dots", "waves")


@dataclass(frozen=True)
class LayerStyle:
    """How the web map draws a layer: its symbol, and its colours where no status colours it.

    On a mission layer the colour is the project status, so the layer is told apart by its
    shape: the line's ``weight`` and ``dash_array``, and an area's ``fill_pattern`` (one of
    :data:`FILL_PATTERNS`, drawn in the status colour; ``None`` is a plain fill).
    ``fill_opacity`` is that of a plain fill (where a page draws none of the patterns).
    """

    color: str
    fill_color: str | None = None
    weight: float = 2.0
    fill_opacity: float = 0.35
    dash_array: str | None = None
    icon: str | None = None
    fill_pattern: str | None = None

    def __post_init__(self) -> None:
        if self.fill_pattern not in (None, *FILL_PATTERNS):
            raise ValueError(f"fill_pattern {self.fill_pattern!r} is not one of "
                             + ", ".join(FILL_PATTERNS))


@dataclass(frozen=True)
class LayerSpec:
    """One layer of the catalogue.

    ``mission`` layers hold the campaign's work (roads to renovate, parks to build...):
    the web map colours their features by the status of the projects they belong to.
    """

    name: str
    zh: str
    en: str
    geometry: tuple[str, ...]
    fields: tuple[FieldSpec, ...]
    style: LayerStyle
    mission: bool = False
    description_zh: str = ""
    description_en: str = ""
    id_field: str = "fid"
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        unknown = set(self.geometry) - set(GEOMETRY_FAMILIES)
        if unknown:
            raise ValueError(f"layer {self.name!r}: unknown geometry families {sorted(unknown)}")
        too_long = [f.name for f in self.fields if len(f.name) > 10]
        if too_long:  # a Shapefile's .dbf must be able to carry every field unchanged
            raise ValueError(f"layer {self.name!r}: field names over 10 characters: {too_long}")

    @property
    def stored_geometry_type(self) -> str:
        """The PostGIS geometry type of the layer's column (``GEOMETRY`` when mixed)."""
        if len(self.geometry) == 1:
            return STORED_TYPE[self.geometry[0]]
        return "GEOMETRY"

    @property
    def accepted_types(self) -> tuple[str, ...]:
        """Shapely geometry type names this layer accepts on import."""
        return tuple(t for family in self.geometry for t in GEOMETRY_FAMILIES[family])

    def field(self, name: str) -> FieldSpec:
        for spec in self.fields:
            if spec.name == name:
                return spec
        raise KeyError(name)

    def title(self, lang: str = "zh") -> str:
        return self.en if lang == "en" else self.zh


def _is_blank(value: Any) -> bool:
    if isinstance(value, str):
        return not value.strip()
    return value is None or (pd.api.types.is_scalar(value) and bool(pd.isna(value)))


def _to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"{value!r} is not a yes/no value (use 1/0, true/false, 是/否)")


def _to_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if hasattr(value, "to_pydatetime"):
        return value.to_pydatetime().date()
    text = str(value).strip().replace("/", "-").replace(".", "-")
    for fmt in ("%Y-%m-%d", "%Y%m%d", "%Y年%m月%d日"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"{value!r} is not a date (use YYYY-MM-DD)")
