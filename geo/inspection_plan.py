"""What an inspection plan is (巡查方案): the depot, each inspector's visits and way, the stops
left out.  :func:`geo.routing.inspection_route` returns an :class:`InspectionRoute`;
:mod:`geo.export_route` writes it as GeoJSON, GPX, KML and a printable list.

Times are minutes from the start of the working day; geometries are in EPSG:4326.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from shapely import LineString

Objective = Literal["travel_time", "length"]


@dataclass(frozen=True)
class Depot:
    """Where every inspector starts and ends the day."""

    name: str
    lon: float
    lat: float
    snap_distance_m: float


@dataclass(frozen=True)
class Visit:
    """One stop of an inspector's route, with its schedule in minutes from the day's start."""

    order: int
    stop_id: str
    name: str
    lon: float
    lat: float
    arrival_min: float
    departure_min: float
    wait_min: float
    service_min: float
    snap_distance_m: float
    earliest_min: float | None = None
    latest_min: float | None = None
    address: str = ""
    note: str = ""


@dataclass(frozen=True)
class InspectorRoute:
    """One inspector's day: the visits in order and the way driven, in EPSG:4326."""

    inspector: int
    visits: tuple[Visit, ...]
    geometry: LineString
    distance_m: float
    travel_min: float
    return_min: float

    @property
    def duration_min(self) -> float:
        """Minutes from leaving the depot to coming back, travel, waits and visits included."""
        return self.return_min


@dataclass(frozen=True)
class SkippedStop:
    """A stop left out of the routes.

    *reason* is ``"too_far"`` (farther than the snapping distance from every street),
    ``"unreachable"`` (no way there from the depot), ``"no_return"`` (no way back) or
    ``"dropped"`` (it does not fit in the working day or in its time window).
    """

    stop_id: str
    name: str
    lon: float
    lat: float
    reason: str
    detail: str
    snap_distance_m: float


@dataclass(frozen=True)
class InspectionRoute:
    """The solved inspection: one route per inspector and the stops left out."""

    depot: Depot
    routes: tuple[InspectorRoute, ...]
    unreachable: tuple[SkippedStop, ...]
    dropped: tuple[SkippedStop, ...]
    objective: Objective
    solver: Literal["exact", "or-tools", "none"]

    @property
    def distance_m(self) -> float:
        """Total distance driven by all inspectors, in metres."""
        return sum(route.distance_m for route in self.routes)

    @property
    def duration_min(self) -> float:
        """Total working time of all inspectors, in minutes."""
        return sum(route.duration_min for route in self.routes)
