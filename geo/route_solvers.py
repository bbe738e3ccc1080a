"""Ordering the visits (访问顺序): the exact solver and OR-Tools' routing solver.

One inspector with at most ``exact_max_stops`` stops (:data:`EXACT_MAX_STOPS` by default)
gets the exact optimum by enumerating every feasible visiting order (:func:`exact_tour`).
Anything larger, or several inspectors, goes to OR-Tools' routing solver (first solution
by cheapest arc, then guided local search) under a time limit (:func:`or_tools_tours`).
Both maximise the number of stops visited first (a stop that does not fit in the day or
its time window is dropped, with a penalty larger than any tour), then minimise the
objective: travel time or distance. Several inspectors are used as needed to fit the
visits in their days; their work is not balanced.

A stop's time window bounds the time its visit starts; an inspector who arrives early
waits.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from geo.inspection_problem import InspectionProblem

#: Largest number of stops solved exactly (for one inspector).
EXACT_MAX_STOPS = 8

_COST_UNITS = 10  # integer solver costs in decimetres or tenths of a second


@dataclass(frozen=True)
class RouteTasks:
    """The problem in integers for the solvers: node 0 is the depot, times in seconds.

    ``cost`` is in tenths of the objective's unit (decimetres or tenths of a second),
    ``time`` the travel time matrix, ``service`` the time on site, ``earliest`` and
    ``latest`` the window in which each visit starts, ``horizon`` the working day and
    ``vehicles`` the number of inspectors. Build it with :meth:`of`.
    """

    cost: np.ndarray
    time: np.ndarray
    service: np.ndarray
    earliest: np.ndarray
    latest: np.ndarray
    horizon: int
    vehicles: int

    @classmethod
    def of(cls, problem: InspectionProblem) -> RouteTasks:
        """The tasks of *problem*, with its stops numbered from 1 in ``problem.stops`` order."""
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

    def subset(self, stops: list[int]) -> RouteTasks:
        """The problem restricted to the depot and *stops*, renumbered from 1."""
        keep = np.r_[0, stops].astype(int)
        return RouteTasks(self.cost[np.ix_(keep, keep)], self.time[np.ix_(keep, keep)],
                      self.service[keep], self.earliest[keep], self.latest[keep],
                      self.horizon, self.vehicles)

    def feasible_alone(self, stop: int) -> bool:
        """Whether *stop* can be visited in its window as the day's only stop."""
        arrival = max(int(self.time[0, stop]), int(self.earliest[stop]))
        return (arrival <= self.latest[stop]
                and arrival + self.service[stop] + self.time[stop, 0] <= self.horizon)


def default_time_limit_s(stops: int) -> float:
    """Default OR-Tools search time: 1 s up to 40 stops, then 25 ms a stop, at most 2.5 s.

    On the 100-stop benchmark town (bench/routing) the tour found in 2.5 s is within about
    2 % of a 60-second search, and a 100-stop plan, snapping and shortest ways included,
    takes under 5 s.
    """
    return min(2.5, max(1.0, 0.025 * stops))


def exact_tour(tasks: RouteTasks) -> list[int]:
    """The best single tour by enumerating every feasible order: most stops, then least cost.

    Parameters
    ----------
    tasks : RouteTasks
        The problem; its ``vehicles`` are ignored (one inspector).

    Returns
    -------
    list of int
        The stops in visiting order (the depot, 0, left out at both ends).
    """
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


def or_tools_tours(tasks: RouteTasks, time_limit_s: float) -> list[list[int]]:
    """Tours from OR-Tools' routing solver: guided local search under *time_limit_s*.

    Parameters
    ----------
    tasks : RouteTasks
        The problem, one tour per vehicle.
    time_limit_s : float
        Search time in seconds.

    Returns
    -------
    list of list of int
        One tour per inspector, the stops in visiting order (possibly empty).

    Raises
    ------
    RuntimeError
        If OR-Tools finds no first solution in the time given.
    """
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
