"""The green-space indicators' data: the layers they read and the values they return.

:class:`GreenLayers` is the input of every indicator (:mod:`geo.green`,
:mod:`geo.service_coverage`, :mod:`geo.greening`); :class:`Indicator` (with one
:class:`Measure` per community) and :class:`GreenReport` are what they return.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd

#: CJJ/T 85-2017 park classes (G1 公园绿地).
PARK_CLASSES = ("G11", "G12", "G13", "G14")


@dataclass(frozen=True)
class Measure:
    """One zone's value with the two numbers it is the ratio of."""

    value: float | None
    numerator: float
    denominator: float


@dataclass(frozen=True)
class DataWarning:
    """A doubt about the data behind an indicator, with the layers that are likely missing.

    ``code`` says what was seen (``coverage_below_ratio``); ``zones`` where: ``""`` for the
    built-up area, else community keys; ``missing`` the likely gaps, most likely first
    (keys of :data:`geo.green.MISSING_VEGETATION`); ``message`` says it all in English.
    """

    code: str
    zones: tuple[str, ...]
    missing: tuple[str, ...]
    message: str


@dataclass(frozen=True)
class Indicator:
    """An indicator for the whole built-up area, and per community.

    ``value`` is ``numerator / denominator`` (× 100 for a percentage), ``None`` when the
    denominator is zero or unknown.  ``communities`` maps a community key (its ``fid``) to
    its :class:`Measure`.  ``approximation`` marks indicators our data can only approach.
    """

    key: str
    title_zh: str
    value: float | None
    numerator: float
    denominator: float
    unit: str
    numerator_unit: str
    denominator_unit: str
    method: str = "area"
    approximation: bool = False
    notes: tuple[str, ...] = ()
    communities: dict[str, Measure] = field(default_factory=dict)
    warnings: tuple[DataWarning, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class GreenLayers:
    """The layers the indicators read, as GeoDataFrames with a CRS (any CRS).

    ``population`` overrides the sum of ``built_up.population`` (城区常住人口).
    ``streets`` is the walking network and the road set of road greening.  Street-tree
    canopy (``canopy_w``, metres each side) is read from ``streets`` and ``road_segments``
    (which may repeat the same lines: each square metre counts once); water-side planting
    (``bank_w``, metres each bank) from ``watercourses``.
    """

    built_up: gpd.GeoDataFrame
    parks: gpd.GeoDataFrame
    green_spaces: gpd.GeoDataFrame
    communities: gpd.GeoDataFrame | None = None
    residential_land: gpd.GeoDataFrame | None = None
    streets: gpd.GeoDataFrame | None = None
    watercourses: gpd.GeoDataFrame | None = None
    population: float | None = None
    road_segments: gpd.GeoDataFrame | None = None

    def replace(self, **changes: Any) -> "GreenLayers":
        return dataclasses.replace(self, **changes)


@dataclass(frozen=True)
class GreenReport:
    """Every indicator, with the zone it was measured in."""

    epsg: int | None
    built_up_area_m2: float
    communities: dict[str, str]
    indicators: dict[str, Indicator]

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)
