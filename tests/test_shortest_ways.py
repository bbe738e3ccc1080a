"""Snapping points onto the driving view of the street graph and the shortest ways between them.

Small networks drawn in EPSG:4545 metres from (X0, Y0); no database.
"""

from __future__ import annotations

import pytest
import shapely
from shapely import Point

from geo.shortest_ways import StreetNetwork
from geo.street_graph import street_graph
from tests.test_street_graph import X0, Y0, streets


def test_snap_gives_the_nearest_segment_the_fraction_along_it_and_the_distance():
    graph = street_graph(streets([(0, 0), (100, 0)], [(0, 50), (100, 50)], oneway=[True, True]))
    network = StreetNetwork.from_graph(graph)
    segment, fraction, distance = network.snap(shapely.points([X0 + 25], [Y0 + 10]))
    assert network.segments[segment[0]].distance(Point(X0 + 25, Y0)) < 1e-9
    assert (fraction[0], distance[0]) == pytest.approx((0.25, 10.0))


def test_ways_between_points_on_a_one_way_segment_run_along_it_forward_only():
    graph = street_graph(streets([(0, 0), (100, 0)], [(100, 0), (100, 100), (0, 100), (0, 0)],
                                 oneway=[True, False]))
    network = StreetNetwork.from_graph(graph)
    ways = network.ways(*network.snap(shapely.points([X0 + 20, X0 + 70], [Y0, Y0]))[:2],
                        weight="length")
    assert ways.cost[0, 1] == pytest.approx(50)
    assert ways.cost[1, 0] == pytest.approx(30 + 300 + 20)
    assert ways.length[1, 0] == pytest.approx(350)
    assert sum(piece.length for piece in ways.line(1, 0)) == pytest.approx(350)


# Found by mutation testing (docs/mutation.md).

def test_a_subset_of_the_ways_keeps_the_chosen_points_in_the_order_given():
    graph = street_graph(streets([(0, 0), (100, 0)], [(100, 0), (100, 100), (0, 100), (0, 0)],
                                 oneway=[True, False]))
    network = StreetNetwork.from_graph(graph)
    ways = network.ways(*network.snap(shapely.points([X0 + 20, X0 + 50, X0 + 70],
                                                     [Y0, Y0, Y0]))[:2], weight="length")

    subset = ways.subset([2, 0])

    assert subset.cost.ravel().tolist() == pytest.approx([0, 350, 50, 0])
    assert subset.length.ravel().tolist() == pytest.approx([0, 350, 50, 0])
    assert subset.time.ravel().tolist() == pytest.approx(
        [ways.time[2, 2], ways.time[2, 0], ways.time[0, 2], ways.time[0, 0]])
    assert sum(piece.length for piece in subset.line(0, 1)) == pytest.approx(350)
    assert sum(piece.length for piece in subset.line(1, 0)) == pytest.approx(50)
