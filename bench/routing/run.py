"""Inspection-route benchmark: our solver against nearest-neighbour and a 60-second OR-Tools run.

    python -m bench.routing.run                      # 25, 50, 100 stops; tour length
    python -m bench.routing.run --objective travel_time --sizes 100 --best-s 60

For each size, on the same synthetic town (see town.py) and the same stops:
  ours     inspection_route() end to end (snapping, shortest ways, solving, geometry) with
           its default time limit, run --repeat times: the median wall time and tour;
  nearest  nearest-neighbour tour on the same cost matrix;
  best     OR-Tools with the same model searching for --best-s seconds (best known).
A last row, "3 inspectors + windows", solves 100 stops with 10-minute visits, time windows
on a third of them and an 8-hour day for 3 inspectors, ours against best.
Targets: 100 stops in <= 5 s, within 3 % of best, >= 10 % shorter than nearest-neighbour.
Results also go to bench/out/routing.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path

import numpy as np

from bench.routing import town
from geo.inspection_problem import inspection_problem
from geo.routing import inspection_route, solve_inspection
from geo.street_graph import street_graph

OUT = Path(__file__).resolve().parent.parent / "out"

OPEN_DAY = {"service_min": 0.0, "day_min": 24 * 60.0}  # a pure tour: nothing dropped


def nearest_neighbour(cost: np.ndarray) -> float:
    """Cost of the tour that always drives to the nearest stop not yet visited."""
    left, here, total = set(range(1, len(cost))), 0, 0.0
    while left:
        nearest = min(left, key=lambda stop: cost[here, stop])
        total, here = total + cost[here, nearest], nearest
        left.remove(nearest)
    return total + cost[here, 0]


def tour_cost(route, objective: str) -> float:
    """The objective of a solved route: metres, or minutes of travel."""
    if objective == "length":
        return route.distance_m
    return sum(r.travel_min for r in route.routes)


def timed_route(repeat: int, *args, **options) -> tuple[float, float, object]:
    """Median wall time and CPU time of *repeat* inspection_route() calls, and the route
    with the median tour."""
    runs = []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        route = inspection_route(*args, **options)
        runs.append((time.perf_counter() - wall, time.process_time() - cpu, route))
    wall_s = statistics.median(run[0] for run in runs)
    cpu_s = statistics.median(run[1] for run in runs)
    ordered = sorted(runs, key=lambda run: run[2].distance_m + run[2].duration_min)
    return wall_s, cpu_s, ordered[len(ordered) // 2][2]


def tsp_row(graph, streets, size: int, objective: str, best_s: float, repeat: int) -> dict:
    sites, depot = town.inspection_sites(streets, size), town.depot()
    ours_s, ours_cpu_s, ours = timed_route(repeat, graph, sites, depot, objective=objective,
                                           **OPEN_DAY)
    problem = inspection_problem(graph, sites, depot, objective=objective, **OPEN_DAY)
    nearest = nearest_neighbour(problem.cost) / (1 if objective == "length" else 60)
    started = time.perf_counter()
    best = solve_inspection(problem, time_limit_s=best_s)
    best_s_used = time.perf_counter() - started
    assert not ours.dropped and not ours.unreachable and not best.dropped
    ours_cost, best_cost = tour_cost(ours, objective), tour_cost(best, objective)
    return {"stops": size, "solver": ours.solver, "ours_s": ours_s, "ours_cpu_s": ours_cpu_s,
            "ours": ours_cost, "nearest": nearest, "best": best_cost, "best_s": best_s_used,
            "gap_to_best_pct": 100 * (ours_cost / best_cost - 1),
            "shorter_than_nearest_pct": 100 * (1 - ours_cost / nearest)}


def vrp_row(graph, streets, best_s: float, repeat: int) -> dict:
    sites = town.inspection_sites(streets, 100, seed=23)
    rng = np.random.default_rng(5)
    windowed = rng.random(len(sites)) < 1 / 3
    start = rng.uniform(0, 360, len(sites))
    sites["earliest_min"] = np.where(windowed, start, np.nan)
    sites["latest_min"] = np.where(windowed, start + 90, np.nan)
    options = {"inspectors": 3, "service_min": 10.0, "day_min": 480.0}
    ours_s, ours_cpu_s, ours = timed_route(repeat, graph, sites, town.depot(), **options)
    problem = inspection_problem(graph, sites, town.depot(), **options)
    best = solve_inspection(problem, time_limit_s=best_s)
    return {"case": "3 inspectors + windows", "ours_s": ours_s, "ours_cpu_s": ours_cpu_s,
            "ours_visited": 100 - len(ours.dropped), "best_visited": 100 - len(best.dropped),
            "ours_travel_min": tour_cost(ours, "travel_time"),
            "best_travel_min": tour_cost(best, "travel_time")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[25, 50, 100])
    parser.add_argument("--objective", choices=["length", "travel_time"], default="length")
    parser.add_argument("--best-s", type=float, default=60.0)
    parser.add_argument("--repeat", type=int, default=3, help="runs of ours (median)")
    parser.add_argument("--no-vrp", action="store_true")
    args = parser.parse_args()

    started = time.perf_counter()
    streets = town.town_streets()
    graph = street_graph(streets)
    build_s = time.perf_counter() - started
    segments = len({d["segment"] for _, _, d in graph.edges(data=True)})
    print(f"town: {len(streets)} street lines -> {segments} segments, "
          f"{graph.number_of_edges()} directed edges, {graph.number_of_nodes()} nodes; "
          f"generated and built in {build_s:.1f} s", flush=True)
    unit = "m" if args.objective == "length" else "min"
    print(f"objective: {args.objective} ({unit}); best = OR-Tools {args.best_s:g} s; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"{'stops':>5} {'solver':>8} {'ours s':>7} {'cpu s':>6} {'ours':>9} {'nearest':>9} "
          f"{'best':>9} {'gap %':>6} {'vs NN %':>8}", flush=True)
    rows = []
    for size in args.sizes:
        row = tsp_row(graph, streets, size, args.objective, args.best_s, args.repeat)
        rows.append(row)
        print(f"{row['stops']:>5} {row['solver']:>8} {row['ours_s']:>7.2f} "
              f"{row['ours_cpu_s']:>6.2f} {row['ours']:>9.0f} "
              f"{row['nearest']:>9.0f} {row['best']:>9.0f} {row['gap_to_best_pct']:>6.2f} "
              f"{row['shorter_than_nearest_pct']:>8.1f}", flush=True)
    if not args.no_vrp:
        vrp = vrp_row(graph, streets, args.best_s, args.repeat)
        rows.append(vrp)
        print(f"{vrp['case']}: ours {vrp['ours_s']:.2f} s ({vrp['ours_cpu_s']:.2f} s CPU), "
              f"visited {vrp['ours_visited']}/100, travel {vrp['ours_travel_min']:.0f} min; "
              f"best visited {vrp['best_visited']}/100, travel {vrp['best_travel_min']:.0f} min",
              flush=True)
    OUT.mkdir(exist_ok=True)
    (OUT / f"routing-{args.objective}.json").write_text(json.dumps(
        {"load_average": os.getloadavg()[0], "segments": segments,
         "edges": graph.number_of_edges(), "build_s": build_s, "objective": args.objective,
         "rows": rows}, indent=1))


if __name__ == "__main__":
    main()
