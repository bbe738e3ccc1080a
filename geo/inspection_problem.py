"""The inspection as a problem to solve: stops snapped to the streets, shortest ways between them.

Snapping. A stop is placed on the nearest point of the nearest street segment, not on the
nearest junction: the segment is split there, virtually, for this problem only, so a site
in the middle of a long block costs the way to it, not the way to a corner. A stop farther
than ``max_snap_m`` from every street, or cut off from the depot (another part of the
network, or one-way streets with no way in or no way back), is reported as unreachable.

Duplicates. Two stops at the same place are both kept and visited one after the other,
with no travel between them: each is its own site with its own record and service time.

The streets are driven (:func:`geo.street_graph.driving_view`): one-way rules hold.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS
from shapely import Point

from geo.crs import STORAGE_CRS
from geo.errors import GeoInputError
from geo.inspection_plan import Depot, Objective, SkippedStop
from geo.shortest_ways import StreetNetwork, Ways

#: Working day in minutes (8 hours).
DAY_MIN = 480.0
#: Minutes spent at a stop without a ``service_min`` of its own.
SERVICE_MIN = 10.0
#: Stops farther than this (metres) from every street are unreachable.
MAX_SNAP_M = 250.0

#: Optional columns of the stops GeoDataFrame (the index is the stop id).
STOP_COLUMNS = ("name", "service_min", "earliest_min", "latest_min", "address", "note")


@dataclass(frozen=True)
class InspectionProblem:
    """Stops snapped to the streets, with the shortest ways between them.

    Row and column 0 of the matrices is the depot; row *i* is ``stops.iloc[i - 1]``. A
    matrix entry is the cost of the way that is shortest for the *objective*; its length
    and its travel time are both given.
    """

    depot: Depot
    stops: pd.DataFrame
    unreachable: tuple[SkippedStop, ...]
    cost: np.ndarray
    length_m: np.ndarray
    time_s: np.ndarray
    inspectors: int
    day_min: float
    objective: Objective
    crs: CRS
    ways: Ways = field(repr=False)


def inspection_problem(
    graph: nx.MultiDiGraph,
    stops: gpd.GeoDataFrame,
    depot: Point,
    *,
    depot_name: str = "创建办",
    inspectors: int = 1,
    day_min: float = DAY_MIN,
    service_min: float = SERVICE_MIN,
    max_snap_m: float = MAX_SNAP_M,
    objective: Objective = "travel_time",
) -> InspectionProblem:
    """Snap *stops* and *depot* to *graph* and find the shortest ways between them.

    Takes the parameters of :func:`inspection_route` that describe the problem. Stops that
    cannot be reached are set aside in ``unreachable``; the others are in ``stops`` with
    their snapping distance in ``snap_distance_m``.
    """
    if inspectors < 1 or not day_min > 0:
        raise GeoInputError("give at least one inspector and a working day longer than 0 min")
    if objective not in ("travel_time", "length"):
        raise GeoInputError(f"objective {objective!r}: use 'travel_time' or 'length'")
    table = _stop_table(stops, service_min)
    crs = graph.graph["crs"]
    places = gpd.GeoSeries([depot, *stops.geometry], crs=stops.crs)
    xy = places.to_crs(crs).geometry.to_numpy()
    lonlat = shapely.get_coordinates(places.to_crs(STORAGE_CRS).geometry.to_numpy())
    table["lon"], table["lat"] = lonlat[1:, 0], lonlat[1:, 1]

    network = StreetNetwork.from_graph(graph)
    segment, fraction, distance = network.snap(xy)
    if distance[0] > max_snap_m:
        raise GeoInputError(
            f"the depot {depot_name!r} is {distance[0]:.0f} m from the nearest street, more than "
            f"max_snap_m={max_snap_m:g} m; move it onto the street network or raise max_snap_m")
    table["snap_distance_m"] = distance[1:]
    near = np.r_[True, distance[1:] <= max_snap_m]
    every = network.ways(segment[near], fraction[near], objective)
    reach = np.isfinite(every.cost[0]) & np.isfinite(every.cost[:, 0])
    near_rows = table[near[1:]]
    skipped = [_too_far(row, max_snap_m) for _, row in table[~near[1:]].iterrows()]
    skipped += [_cut_off(row, np.isfinite(every.cost[0, i + 1]))
                for i, (_, row) in enumerate(near_rows.iterrows()) if not reach[i + 1]]
    ways = every.subset(np.flatnonzero(reach))
    return InspectionProblem(
        depot=Depot(depot_name, float(lonlat[0, 0]), float(lonlat[0, 1]), float(distance[0])),
        stops=near_rows[reach[1:]].copy(),
        unreachable=tuple(sorted(skipped, key=lambda s: table.index.get_loc(s.stop_id))),
        cost=ways.cost,
        length_m=ways.length,
        time_s=ways.time,
        inspectors=inspectors,
        day_min=float(day_min),
        objective=objective,
        crs=crs,
        ways=ways,
    )


def _stop_table(stops: gpd.GeoDataFrame, service_min: float) -> pd.DataFrame:
    """The stops' attributes with defaults filled in, checked."""
    if stops.crs is None:
        raise GeoInputError("the stops have no CRS; set one (EPSG:4326 for lon/lat)")
    ids = stops.index.astype(str)
    if ids.has_duplicates:
        raise GeoInputError(f"stop ids must be unique; {ids[ids.duplicated()][0]!r} repeats")
    kinds = stops.geometry.geom_type.to_numpy()
    if len(stops) and not (kinds == "Point").all():
        bad = int(np.flatnonzero(kinds != "Point")[0])
        raise GeoInputError(f"stop {ids[bad]!r} is a {kinds[bad]}, not a point; give each site "
                            f"as a point (e.g. its representative_point())")
    table = pd.DataFrame(index=ids)
    for column in STOP_COLUMNS:
        table[column] = stops[column].to_numpy() if column in stops else None
    table["name"] = [str(n) if pd.notna(n) and str(n) else i for i, n in zip(ids, table["name"])]
    table["address"] = table["address"].fillna("").astype(str)
    table["note"] = table["note"].fillna("").astype(str)
    for column in ("service_min", "earliest_min", "latest_min"):
        table[column] = _minutes(table[column])
    table["service_min"] = table["service_min"].fillna(service_min)
    _check_times(table)
    return table


def _minutes(column: pd.Series) -> pd.Series:
    try:
        return pd.to_numeric(column).astype(float)
    except (TypeError, ValueError) as error:
        raise GeoInputError(f"stops field {column.name}: give minutes as numbers ({error})") \
            from None


def _check_times(table: pd.DataFrame) -> None:
    bad = table.index[table["service_min"] < 0]
    if len(bad):
        raise GeoInputError(f"stop {bad[0]!r}: service_min must not be negative")
    bad = table.index[table["earliest_min"] > table["latest_min"]]
    if len(bad):
        raise GeoInputError(f"stop {bad[0]!r}: earliest_min is after latest_min")


def skipped_stop(row: pd.Series, reason: str, detail: str) -> SkippedStop:
    """The stop of *row* (a row of :attr:`InspectionProblem.stops`) left out for *reason*."""
    return SkippedStop(row.name, row["name"], float(row["lon"]), float(row["lat"]), reason,
                       detail, float(row["snap_distance_m"]))


def _too_far(row: pd.Series, max_snap_m: float) -> SkippedStop:
    return skipped_stop(row, "too_far", f"{row['snap_distance_m']:.0f} m from the nearest "
                                        f"street (more than {max_snap_m:g} m)")


def _cut_off(row: pd.Series, reached: bool) -> SkippedStop:
    if reached:
        return skipped_stop(row, "no_return",
                            "no way back to the depot (one-way streets lead away)")
    return skipped_stop(row, "unreachable", "no way there from the depot (a separate part of "
                                            "the network, or one-way streets lead away from it)")
