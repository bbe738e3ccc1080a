"""Inspection route planning (督查巡查路线) on a street graph.

The inspectors leave the depot (the campaign office, 创建办) at the start of the working day,
visit sites that need a look (overdue projects, open problem reports) and are back before
the day ends. :func:`inspection_route` does it in one call; it is
:func:`geo.inspection_problem.inspection_problem` (snap the stops to the streets, shortest
paths between every pair) followed by :func:`solve_inspection` (order the visits with
:mod:`geo.route_solvers`, then assemble each inspector's schedule and way into an
:class:`geo.inspection_plan.InspectionRoute`).

Times are minutes from the start of the working day. A stop's time window bounds the time
its visit starts; an inspector who arrives early waits.
"""

from __future__ import annotations

import itertools

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Transformer
from shapely import LineString, Point

from geo.crs import STORAGE_CRS
from geo.inspection_plan import InspectionRoute, InspectorRoute, Objective, SkippedStop, Visit
from geo.inspection_problem import (
    DAY_MIN,
    MAX_SNAP_M,
    SERVICE_MIN,
    InspectionProblem,
    inspection_problem,
    skipped_stop,
)
from geo.route_solvers import (
    EXACT_MAX_STOPS,
    RouteTasks,
    default_time_limit_s,
    exact_tour,
    or_tools_tours,
)


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
        A street graph from :func:`geo.street_graph.street_graph`; it is driven (one-way
        rules hold, see :func:`geo.street_graph.driving_view`).
    stops : geopandas.GeoDataFrame
        Points in any CRS, one per site; the index is the stop id. Optional columns (see
        :data:`geo.inspection_problem.STOP_COLUMNS`): ``name``; ``service_min`` (minutes on site);
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
        Search time for OR-Tools; by default it grows with the number of stops, 1 to 2.5 s
        (:func:`geo.route_solvers.default_time_limit_s`).
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


def solve_inspection(
    problem: InspectionProblem,
    *,
    time_limit_s: float | None = None,
    exact_max_stops: int = EXACT_MAX_STOPS,
) -> InspectionRoute:
    """Order the visits of *problem* (see :func:`inspection_route` for the parameters)."""
    tasks = RouteTasks.of(problem)
    count = len(problem.stops)
    # A stop that cannot be visited even alone is left out before solving: OR-Tools cannot
    # take a time window that closes before the stop can be reached.
    possible = [stop for stop in range(1, count + 1) if tasks.feasible_alone(stop)]
    solvable = tasks.subset(possible)
    if not possible:
        tours, solver = [[] for _ in range(problem.inspectors)], "none"
    elif problem.inspectors == 1 and len(possible) <= exact_max_stops:
        tours, solver = [exact_tour(solvable)], "exact"
    else:
        limit = time_limit_s if time_limit_s is not None else default_time_limit_s(len(possible))
        tours, solver = or_tools_tours(solvable, limit), "or-tools"
    tours = [[possible[stop - 1] for stop in tour] for tour in tours]
    visited = {stop for tour in tours for stop in tour}
    dropped = tuple(_dropped(problem, tasks, i) for i in range(1, count + 1) if i not in visited)
    routes = tuple(_inspector_route(problem, tasks, number, tour)
                   for number, tour in enumerate(tours, start=1))
    return InspectionRoute(problem.depot, routes, problem.unreachable, dropped,
                           problem.objective, solver)


def _inspector_route(problem: InspectionProblem, tasks: RouteTasks, number: int,
                     tour: list[int]) -> InspectorRoute:
    if not tour:
        return InspectorRoute(number, (), LineString(), 0.0, 0.0, 0.0)
    times = tasks.schedule(tour)
    legs = list(itertools.pairwise([0, *tour, 0]))
    visits = tuple(_visit(problem.stops.iloc[stop - 1], order, times[order - 1])
                   for order, stop in enumerate(tour, start=1))
    pieces = [piece for start, end in legs for piece in problem.ways.line(start, end)]
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


def _dropped(problem: InspectionProblem, tasks: RouteTasks, stop: int) -> SkippedStop:
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
    return skipped_stop(row, "dropped", detail)
