"""Green-space indicators of the stored layers: load the tables, hand them to :mod:`geo`.

The computation lives in :mod:`geo.green` (indicators), :mod:`geo.assess` (thresholds) and
:mod:`geo.scenario` (what-if); this module only reads the layer tables into GeoDataFrames
(:mod:`layers.green.state` keeps them between requests).  :mod:`layers.green.sql_check`
computes the core indicators in PostGIS instead, as an independent check.
"""

from __future__ import annotations

import geopandas as gpd
import sqlalchemy as sa

from geo.green_model import GreenLayers
from layers.storage.catalogue import get_layer
from layers.storage.db import unreachable
from layers.storage.models import STORAGE_SRID

#: Layers a scenario may convert features from, besides the green layers themselves.
SCENARIO_SOURCES = ("shantytown_zones",)


def read_layer(conn: sa.Connection, name: str) -> gpd.GeoDataFrame:
    """Layer *name* as a GeoDataFrame in EPSG:4326 with ``fid`` and its attribute columns."""
    columns = ", ".join(["fid", *(f.name for f in get_layer(name).fields)])
    return gpd.read_postgis(sa.text(f"SELECT {columns}, geom FROM {name} ORDER BY fid"),
                            conn, geom_col="geom", crs=STORAGE_SRID)


def load_green_layers(engine: sa.Engine) -> GreenLayers:
    """Every layer the green indicators read.

    Road greening and the walking network use ``streets``; when that layer is empty,
    ``road_segments`` stands in for it.
    """
    try:
        with engine.connect() as conn:
            frames = {name: read_layer(conn, name) for name in (
                "built_up_area", "parks", "green_spaces", "communities", "residential_land",
                "streets", "road_segments", "watercourses")}
    except sa.exc.OperationalError as exc:
        raise unreachable(exc) from None
    streets = frames["streets"] if len(frames["streets"]) else frames["road_segments"]
    return GreenLayers(frames["built_up_area"], frames["parks"], frames["green_spaces"],
                       frames["communities"], frames["residential_land"], streets,
                       frames["watercourses"], road_segments=frames["road_segments"])
