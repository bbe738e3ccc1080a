"""Inspection route planning (督查巡查路线) on a street graph.

The inspectors leave the depot (the campaign office, 创建办) at the start of the working day,
visit sites that need a look (overdue projects, open problem reports) and are back before
the day ends. :func:`inspection_route` does it in one call; it is
:func:`inspection_problem` (snap the stops to the streets, shortest paths between every
pair) followed by :func:`solve_inspection` (order the visits).

Snapping. A stop is placed on the nearest point of the nearest street segment, not on the
nearest junction: the segment is split there, virtually, for this problem only, so a site
in the middle of a long block costs the way to it, not the way to a corner. A stop farther
than ``max_snap_m`` from every street, or cut off from the depot (another part of the
network, or one-way streets with no way in or no way back), is reported as unreachable.

Duplicates. Two stops at the same place are both kept and visited one after the other,
with no travel between them: each is its own site with its own record and service time.

Solvers. One inspector with at most ``exact_max_stops`` stops (8 by default) gets the exact
optimum by enumerating every feasible visiting order. Anything larger, or several inspectors,
goes to OR-Tools' routing solver (first solution by cheapest arc, then guided local
search) under a time limit. Both maximise the number of stops visited first (a stop that
does not fit in the day or its time window is dropped, with a penalty larger than any
tour), then minimise the objective: travel time (default) or distance. Several inspectors
are used as needed to fit the visits in their days; their work is not balanced.

Times are minutes from the start of the working day. A stop's time window bounds the time
its visit starts; an inspector who arrives early waits.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Literal

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely
from ortools.constraint_solver import pywrapcp, routing_enums_pb2
from pyproj import CRS, Transformer
from shapely import LineString, Point

from geo.crs import STORAGE_CRS
from geo.errors import GeoInputError
from geo.shortest_ways import StreetNetwork, Ways

Objective = Literal["travel_time", "length"]

#: Working day in minutes (8 hours).
DAY_MIN = 480.0
#: Minutes spent at a stop without a ``service_min`` of its own.
SERVICE_MIN = 10.0
#: Stops farther than this (metres) from every street are unreachable.
MAX_SNAP_M = 250.0
#: Largest number of stops solved exactly (for one inspector).
EXACT_MAX_STOPS = 8

#: Optional columns of the stops GeoDataFrame (the index is the stop id).
STOP_COLUMNS = ("name", "service_min", "earliest_min", "latest_min", "address", "note")

_COST_UNITS = 10  # integer solver costs in decimetres or tenths of a second


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
    _ways: Ways = field(repr=False)


def inspection_route(
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
    time_limit_s: float | None = None,
    exact_max_stops: int = EXACT_MAX_STOPS,
) -> InspectionRoute:
    """Plan the inspectors' routes through *stops*, from and back to *depot*.

    Parameters
    ----------
    graph : networkx.MultiDiGraph
        A street graph from :func:`geo.street_graph.street_graph`.
    stops : geopandas.GeoDataFrame
        Points in any CRS, one per site; the index is the stop id. Optional columns (see
        :data:`STOP_COLUMNS`): ``name``; ``service_min`` (minutes on site);
        ``earliest_min`` and ``latest_min`` (the window in which the visit must start,
        minutes from the day's start); ``address`` and ``note`` (carried to the output).
    depot : shapely.Point
        Start and end of every route, in the CRS of *stops*.
    depot_name : str
        Label of the depot.
    inspectors : int
        Number of inspectors (vehicles), each with a working day of *day_min*.
    day_min : float
        Length of the working day in minutes; every inspector is back by then.
    service_min : float
        Minutes on site for stops without a ``service_min``.
    max_snap_m : float
        Stops farther than this from every street are reported unreachable.
    objective : {"travel_time", "length"}
        What the routes minimise.
    time_limit_s : float, optional
        Search time for OR-Tools; by default it grows with the number of stops, 1 to 2.5 s.
    exact_max_stops : int
        Up to this many stops (and one inspector) the exact solver is used.

    Returns
    -------
    InspectionRoute

    Raises
    ------
    geo.errors.GeoInputError
        If a stop is not a point, the stop ids are not unique, a time window or service
        time is impossible, or the depot is farther than *max_snap_m* from every street.
    """
    problem = inspection_problem(graph, stops, depot, depot_name=depot_name,
                                 inspectors=inspectors, day_min=day_min,
                                 service_min=service_min, max_snap_m=max_snap_m,
                                 objective=objective)
    return solve_inspection(problem, time_limit_s=time_limit_s, exact_max_stops=exact_max_stops)


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
        _ways=ways,
    )


def solve_inspection(
    problem: InspectionProblem,
    *,
    time_limit_s: float | None = None,
    exact_max_stops: int = EXACT_MAX_STOPS,
) -> InspectionRoute:
    """Order the visits of *problem* (see :func:`inspection_route` for the parameters)."""
    tasks = _Tasks.of(problem)
    count = len(problem.stops)
    # A stop that cannot be visited even alone is left out before solving: OR-Tools cannot
    # take a time window that closes before the stop can be reached.
    possible = [stop for stop in range(1, count + 1) if tasks.feasible_alone(stop)]
    solvable = tasks.subset(possible)
    if not possible:
        tours, solver = [[] for _ in range(problem.inspectors)], "none"
    elif problem.inspectors == 1 and len(possible) <= exact_max_stops:
        tours, solver = [_exact_tour(solvable)], "exact"
    else:
        limit = time_limit_s if time_limit_s is not None else _time_limit_s(len(possible))
        tours, solver = _or_tools_tours(solvable, limit), "or-tools"
    tours = [[possible[stop - 1] for stop in tour] for tour in tours]
    visited = {stop for tour in tours for stop in tour}
    dropped = tuple(_dropped(problem, tasks, i) for i in range(1, count + 1) if i not in visited)
    routes = tuple(_inspector_route(problem, tasks, number, tour)
                   for number, tour in enumerate(tours, start=1))
    return InspectionRoute(problem.depot, routes, problem.unreachable, dropped,
                           problem.objective, solver)


# --- stops -------------------------------------------------------------------------------

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


def _skipped(row: pd.Series, reason: str, detail: str) -> SkippedStop:
    return SkippedStop(row.name, row["name"], float(row["lon"]), float(row["lat"]), reason,
                       detail, float(row["snap_distance_m"]))


def _too_far(row: pd.Series, max_snap_m: float) -> SkippedStop:
    return _skipped(row, "too_far", f"{row['snap_distance_m']:.0f} m from the nearest street "
                                    f"(more than {max_snap_m:g} m)")


def _cut_off(row: pd.Series, reached: bool) -> SkippedStop:
    if reached:
        return _skipped(row, "no_return", "no way back to the depot (one-way streets lead away)")
    return _skipped(row, "unreachable", "no way there from the depot (a separate part of the "
                                        "network, or one-way streets lead away from it)")


# --- solving -------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Tasks:
    """The problem in integers for the solvers: node 0 is the depot, times in seconds."""

    cost: np.ndarray
    time: np.ndarray
    service: np.ndarray
    earliest: np.ndarray
    latest: np.ndarray
    horizon: int
    vehicles: int

    @classmethod
    def of(cls, problem: InspectionProblem) -> _Tasks:
        horizon = int(round(problem.day_min * 60))
        stops = problem.stops
        earliest = np.r_[0, np.nan_to_num(stops["earliest_min"].to_numpy() * 60, nan=0.0)]
        latest = np.r_[horizon, np.nan_to_num(stops["latest_min"].to_numpy() * 60, nan=horizon)]
        return cls(np.rint(problem.cost * _COST_UNITS).astype(np.int64),
                   np.rint(problem.time_s).astype(np.int64),
                   np.rint(np.r_[0, stops["service_min"].to_numpy()] * 60).astype(np.int64),
                   np.rint(earliest).astype(np.int64),
                   np.rint(np.minimum(latest, horizon)).astype(np.int64),
                   horizon, problem.inspectors)

    def schedule(self, tour: list[int]) -> list[tuple[int, int, int]]:
        """Arrival, departure and wait (s) at each stop of *tour*; last, the return."""
        times, clock, here = [], 0, 0
        for stop in [*tour, 0]:
            reached = clock + int(self.time[here, stop])
            arrival = max(reached, int(self.earliest[stop]))
            clock = arrival + int(self.service[stop])
            times.append((arrival, clock, arrival - reached))
            here = stop
        return times

    def subset(self, stops: list[int]) -> _Tasks:
        """The problem restricted to the depot and *stops*, renumbered from 1."""
        keep = np.r_[0, stops].astype(int)
        return _Tasks(self.cost[np.ix_(keep, keep)], self.time[np.ix_(keep, keep)],
                      self.service[keep], self.earliest[keep], self.latest[keep],
                      self.horizon, self.vehicles)

    def feasible_alone(self, stop: int) -> bool:
        arrival = max(int(self.time[0, stop]), int(self.earliest[stop]))
        return (arrival <= self.latest[stop]
                and arrival + self.service[stop] + self.time[stop, 0] <= self.horizon)


def _time_limit_s(stops: int) -> float:
    """Default OR-Tools search time: 1 s up to 40 stops, then 25 ms a stop, at most 2.5 s.

    On the 100-stop benchmark town (bench/routing) the tour found in 2.5 s is within about
    2 % of a 60-second search, and a 100-stop plan, snapping and shortest ways included,
    takes under 5 s.
    """
    return min(2.5, max(1.0, 0.025 * stops))


def _exact_tour(tasks: _Tasks) -> list[int]:
    """The best single tour by enumerating every feasible order: most stops, then least cost."""
    count = len(tasks.cost) - 1
    best_tour: tuple[int, ...] = ()
    best_cost = 0

    def extend(tour: tuple[int, ...], clock: int, cost: int) -> None:
        nonlocal best_tour, best_cost
        here = tour[-1] if tour else 0
        closed = cost + int(tasks.cost[here, 0])
        if len(tour) > len(best_tour) or len(tour) == len(best_tour) and closed < best_cost:
            best_tour, best_cost = tour, closed
        if len(best_tour) == count and cost >= best_cost:
            return
        for stop in range(1, count + 1):
            if stop in tour:
                continue
            arrival = max(clock + int(tasks.time[here, stop]), int(tasks.earliest[stop]))
            leave = arrival + int(tasks.service[stop])
            if arrival <= tasks.latest[stop] and leave + tasks.time[stop, 0] <= tasks.horizon:
                extend(tour + (stop,), leave, cost + int(tasks.cost[here, stop]))

    extend((), 0, 0)
    return list(best_tour)


def _or_tools_tours(tasks: _Tasks, time_limit_s: float) -> list[list[int]]:
    """Tours from OR-Tools' routing solver: guided local search under *time_limit_s*."""
    size = len(tasks.cost)
    manager = pywrapcp.RoutingIndexManager(size, tasks.vehicles, 0)
    model = pywrapcp.RoutingModel(manager)
    model.SetArcCostEvaluatorOfAllVehicles(model.RegisterTransitMatrix(tasks.cost.tolist()))
    transit = model.RegisterTransitMatrix((tasks.time + tasks.service[:, None]).tolist())
    model.AddDimension(transit, tasks.horizon, tasks.horizon, True, "time")
    clock = model.GetDimensionOrDie("time")
    penalty = int(tasks.cost.max()) * size + 1
    for stop in range(1, size):
        index = manager.NodeToIndex(stop)
        clock.CumulVar(index).SetRange(int(tasks.earliest[stop]), int(tasks.latest[stop]))
        model.AddDisjunction([index], penalty)
    parameters = pywrapcp.DefaultRoutingSearchParameters()
    parameters.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    parameters.local_search_metaheuristic = (
        routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH)
    parameters.time_limit.FromMilliseconds(max(1, int(time_limit_s * 1000)))
    solution = model.SolveWithParameters(parameters)
    if solution is None:
        raise RuntimeError(f"OR-Tools found no first solution in {time_limit_s:g} s; "
                           f"give it a longer time_limit_s")
    tours = []
    for vehicle in range(tasks.vehicles):
        index, tour = solution.Value(model.NextVar(model.Start(vehicle))), []
        while not model.IsEnd(index):
            tour.append(manager.IndexToNode(index))
            index = solution.Value(model.NextVar(index))
        tours.append(tour)
    return tours


# --- the answer ----------------------------------------------------------------------------

def _inspector_route(problem: InspectionProblem, tasks: _Tasks, number: int,
                     tour: list[int]) -> InspectorRoute:
    if not tour:
        return InspectorRoute(number, (), LineString(), 0.0, 0.0, 0.0)
    times = tasks.schedule(tour)
    legs = list(itertools.pairwise([0, *tour, 0]))
    visits = tuple(_visit(problem.stops.iloc[stop - 1], order, times[order - 1])
                   for order, stop in enumerate(tour, start=1))
    pieces = [piece for start, end in legs for piece in problem._ways.line(start, end)]
    return InspectorRoute(
        inspector=number,
        visits=visits,
        geometry=_lonlat_line(pieces, problem.crs),
        distance_m=float(sum(problem.length_m[a, b] for a, b in legs)),
        travel_min=sum(int(tasks.time[a, b]) for a, b in legs) / 60,
        return_min=times[-1][0] / 60,
    )


def _visit(row: pd.Series, order: int, times: tuple[int, int, int]) -> Visit:
    arrival, departure, wait = times
    return Visit(
        order=order, stop_id=str(row.name), name=row["name"], lon=float(row["lon"]),
        lat=float(row["lat"]), arrival_min=arrival / 60, departure_min=departure / 60,
        wait_min=wait / 60, service_min=float(row["service_min"]),
        snap_distance_m=float(row["snap_distance_m"]),
        earliest_min=_optional(row["earliest_min"]), latest_min=_optional(row["latest_min"]),
        address=row["address"], note=row["note"])


def _optional(value: float) -> float | None:
    return None if pd.isna(value) else float(value)


def _lonlat_line(pieces: list[LineString], crs: CRS) -> LineString:
    """The pieces joined end to end, in EPSG:4326."""
    if not pieces:
        return LineString()
    xy = shapely.get_coordinates(np.array(pieces, dtype=object))
    xy = xy[np.r_[True, (np.diff(xy, axis=0) != 0).any(axis=1)]]
    lon, lat = Transformer.from_crs(crs, STORAGE_CRS, always_xy=True).transform(xy[:, 0], xy[:, 1])
    return LineString(np.column_stack([lon, lat])) if len(xy) > 1 else LineString()


def _dropped(problem: InspectionProblem, tasks: _Tasks, stop: int) -> SkippedStop:
    row = problem.stops.iloc[stop - 1]
    if tasks.feasible_alone(stop):
        detail = (f"no room left in the working day of {problem.inspectors} inspector(s) "
                  f"of {problem.day_min:g} min")
    elif not np.isnan(row["latest_min"]) or not np.isnan(row["earliest_min"]):
        detail = "its time window cannot be met within the working day, even as the only stop"
    else:
        trip = (tasks.time[0, stop] + tasks.service[stop] + tasks.time[stop, 0]) / 60
        detail = (f"the round trip from the depot alone takes {trip:.0f} min, more than the "
                  f"working day of {problem.day_min:g} min")
    return _skipped(row, "dropped", detail)
