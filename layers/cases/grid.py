"""The unit grid (万米单元网格, CJ/T 213): cells, their supervisors, and hot spots of cases.

A cell is a square of about 100 m x 100 m over the built-up area, each with its community,
street office and supervisor (监督员); every case carries the cell its point lies in.  The
grid is generated here or imported from the county's own file; either way it replaces the
whole grid in one transaction and re-links every case to the cell that now holds it.

Generated cells are squares of the CGCS2000 Gauss-Krüger zone of the data
(:func:`geo.crs.gauss_kruger_epsg`), aligned on multiples of the size in that CRS, and are
**not clipped** to the built-up area: every cell then measures exactly size x size (10,000 m²
at 100 m), so counts per cell compare like with like on the hot-spot map, and a cell keeps its
shape when the boundary is redrawn.  A cell is kept when it overlaps the area by at least
:data:`MIN_OVERLAP_M2` (a sliver from reprojection is not a cell); it belongs to the community
holding most of its area.

Codes follow CJ/T 213's structure: the county's GB/T 2260 code (``LIANCHUANG_COUNTY_CODE``,
610724 Xixiang by default), 3 digits of street office, 3 of community and a 4-digit sequence
numbered from the north-west, row by row (left to right, top to bottom), within the community.
The communities layer holds names, not the statistical codes (统计用区划代码), so street and
community numbers are their rank by name (001, 002, ...); ``000`` marks a cell outside every
community.  A county with official codes imports its grid (:func:`import_grid`).

What this rests on: the 6 + 3 + 3 prefix is the structure of the statistical division codes
(GB/T 2260 county; street offices 001-099 under 县以下行政区划代码编制规则; residents'
committees 3 digits) and of CJ/T 349-2010 (digital community grids), which takes its community
codes from CJ/T 213 and numbers subdivided grids left to right, top to bottom.  CJ/T 213-2005's
own text could not be read: the 4-digit sequence (16 digits in all) follows the issue's brief,
not a verified clause, and Xixiang's real street and community codes are not known here.
"""

from __future__ import annotations

import json
import os
import re
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
import sqlalchemy as sa

from geo.crs import gauss_kruger_epsg
from geo.errors import Conflict, InvalidInput, NotFound, Unprocessable
from geo.gcj02 import geometries_gcj02_to_wgs84
from layers.errors import ImportRefused
from layers.exchange.sources import SourceRef, read_source
from layers.serving.query import BBox
from layers.storage.models import (
    LAYER_TABLES,
    STORAGE_SRID,
    case_categories,
    grid_cells,
    reports,
    users,
)
from layers.storage.text import text_problem
from layers.tracking.accounts import User, require

#: A generated cell overlapping the area by less than this (m²) is left out.
MIN_OVERLAP_M2 = 1.0
#: Cell sizes a generated grid may have (metres): CJ/T 213 cells are about 100 m.
SIZE_RANGE_M = (10.0, 1000.0)
#: The most cells one grid may have (a county seat of 100 km² has 10,000 of 100 m).
MAX_CELLS = 200_000
#: Hexagon edge lengths the hot-spot map may use (metres).
HEX_RANGE_M = (20.0, 5000.0)
#: Cases that are not problems of the city (不予立案) or repeat another are not counted.
UNCOUNTED_STATUSES = ("refused", "duplicate")
SUPERVISOR = "supervisor"
_CODE = re.compile(r"^[0-9]{16}$")


def county_code() -> str:
    """The county's 6-digit GB/T 2260 code (``LIANCHUANG_COUNTY_CODE``, 610724 by default)."""
    code = os.environ.get("LIANCHUANG_COUNTY_CODE", "610724").strip()
    if not re.fullmatch(r"[0-9]{6}", code):
        raise Unprocessable(f"LIANCHUANG_COUNTY_CODE={code!r} is not a 6-digit county code "
                            "(GB/T 2260, e.g. 610724 for Xixiang)")
    return code


def is_generated_code(code: str) -> bool:
    """Whether *code* has the 16 digits of a generated cell's code."""
    return bool(_CODE.match(code))


# --- building the grid ----------------------------------------------------------------------


def generate_grid(engine: sa.Engine, size_m: float = 100.0, within: Any = None, *,
                  replace_imported: bool = False) -> dict[str, Any]:
    """Build square cells of *size_m* metres over the built-up area and replace the grid.

    Parameters
    ----------
    engine
        The database.
    size_m
        The side of a cell in metres (100: the 万米单元网格).
    within
        A shapely polygon in EPSG:4326 to cover instead of the union of the communities.
    replace_imported
        Replace a grid imported from the county's file too (refused otherwise: it is
        the official one).

    Returns
    -------
    dict
        ``cells``, ``cases_linked`` (cases now in a cell), ``supervisors_kept``, ``srid``.
    """
    size_m = _size(size_m)
    communities = LAYER_TABLES["communities"]
    with engine.begin() as conn:
        _lock(conn)
        if not replace_imported:
            imported = conn.scalar(sa.select(grid_cells.c.source)
                                   .where(grid_cells.c.source != "generated").limit(1))
            if imported is not None:
                raise Conflict(f"the grid was imported from {imported}: generating would "
                               "replace the county's own cells; pass --replace-imported "
                               "(replace_imported=True) to do it anyway")
        given = f"SRID={STORAGE_SRID};{_polygon(within).wkt}" if within is not None else None
        area = (sa.func.ST_GeomFromEWKT(given) if given else
                sa.select(sa.func.ST_Union(communities.c.geom)).scalar_subquery())
        srid = _metric_srid(conn, area)
        if srid is None:
            raise Unprocessable("no communities to build the grid over: import the "
                                "communities layer first, or give the polygon to cover")
        area_m2 = conn.scalar(sa.select(sa.func.ST_Area(sa.func.ST_Transform(area, srid))))
        if area_m2 / size_m**2 > MAX_CELLS:
            raise Unprocessable(f"{area_m2 / 1e6:.1f} km² in cells of {size_m:g} m is over "
                                f"{MAX_CELLS:,} cells; use larger cells or a smaller area")
        rows = conn.execute(sa.text(_SQUARES_SQL.format(
            area="ST_GeomFromEWKT(:within)" if given else "(SELECT ST_Union(geom) FROM "
                                                          "communities)")), {
            "size": size_m, "srid": srid, "within": given, "min_overlap": MIN_OVERLAP_M2}
        ).all()
        cells = _coded(conn, rows)
        return {**_replace(conn, cells, "generated"), "srid": srid}


_SQUARES_SQL = """
WITH area AS (SELECT ST_MakeValid(ST_Transform({area}, :srid)) AS g),
communities AS (SELECT name, street, ST_MakeValid(ST_Transform(geom, :srid)) AS g
                FROM communities),
squares AS (
    SELECT s.i, s.j, s.geom FROM area, ST_SquareGrid(:size, area.g) AS s
    WHERE ST_Intersects(s.geom, area.g)
      -- ST_Contains first: a prepared test, where the intersection is computed per cell
      AND (ST_Contains(area.g, s.geom)
           OR ST_Area(ST_Intersection(s.geom, area.g)) >= :min_overlap)),
owners AS (
    SELECT DISTINCT ON (s.i, s.j) s.i, s.j, c.name, c.street
    FROM squares s JOIN communities c ON ST_Intersects(s.geom, c.g)
    ORDER BY s.i, s.j, CASE WHEN ST_Contains(c.g, s.geom) THEN ST_Area(s.geom)
                            ELSE ST_Area(ST_Intersection(s.geom, c.g)) END DESC, c.name)
SELECT s.i, s.j, ST_AsEWKT(ST_Transform(s.geom, 4326)) AS geom, o.name AS community,
       o.street
FROM squares s LEFT JOIN owners o ON o.i = s.i AND o.j = s.j
"""


def _coded(conn: sa.Connection, rows: Iterable) -> list[dict[str, Any]]:
    """The cells of *rows* (``i``, ``j``: column and row) with their CJ/T 213 codes."""
    streets, communities = _ranks(conn)
    county = county_code()
    by_community: dict[tuple[str, str], list] = defaultdict(list)
    for row in rows:
        key = ((streets.get(row.street, "000"), communities.get((row.street, row.community),
                                                                "000"))
               if row.community is not None else ("000", "000"))
        by_community[key].append(row)
    cells = []
    for (street_code, community_code), members in sorted(by_community.items()):
        if len(members) > 9999:
            raise Unprocessable(f"{len(members)} cells in one community: the 4-digit sequence "
                                "of CJ/T 213 holds 9999; use larger cells")
        # north-west first, row by row: top to bottom, left to right
        members.sort(key=lambda r: (-r.j, r.i))
        cells += [{"code": f"{county}{street_code}{community_code}{n:04d}", "geom": r.geom,
                   "community": r.community, "street": r.street}
                  for n, r in enumerate(members, start=1)]
    return cells


def _ranks(conn: sa.Connection) -> tuple[dict[str, str], dict[tuple[str, str], str]]:
    """3-digit numbers of the street offices and of the communities within each, by name."""
    communities = LAYER_TABLES["communities"]
    pairs = sorted(set(conn.execute(sa.select(communities.c.street, communities.c.name))))
    streets = {street: f"{n:03d}" for n, street in
               enumerate(sorted({street for street, _ in pairs}), start=1)}
    ranks: dict[tuple[str, str], str] = {}
    for street in streets:
        names = [name for s, name in pairs if s == street]
        ranks |= {(street, name): f"{n:03d}" for n, name in enumerate(names, start=1)}
    return streets, ranks


def import_grid(engine: sa.Engine, path: Path, *, crs: str | None = None,
                encoding: str | None = None) -> dict[str, Any]:
    """Replace the grid with the county's own cells from *path* (a Shapefile, GeoPackage
    (its first layer), GeoJSON or KML, read as the importer reads them: the file's CRS, or
    *crs* when it has none, ``gcj02`` converted; *encoding* for a .dbf).

    Every feature needs a polygon and a ``code``; ``community`` and ``street`` are taken
    from the file when it has them, else from the community holding most of the cell.
    All or nothing: one bad row and the grid stays as it was, with every problem named by
    file, row and field.
    """
    path = Path(path)
    if not path.is_file():
        raise ImportRefused(f"{path}: no such file")
    read = read_source(SourceRef(path, "grid_cells"), crs=crs, encoding=encoding)
    frame = read.frame
    label = path.name
    if "code" not in frame.columns:
        raise ImportRefused(f"{label}: no 'code' field; a grid file needs each cell's code "
                            f"(单元网格编码); its fields are: "
                            + ", ".join(c for c in frame.columns if c != "geometry"))
    if frame.empty:
        raise ImportRefused(f"{label}: holds no cell")
    if read.gcj02:
        frame = frame.set_geometry(gpd.GeoSeries(
            geometries_gcj02_to_wgs84(frame.geometry.to_numpy()), index=frame.index,
            crs=STORAGE_SRID))
    frame = frame.to_crs(STORAGE_SRID)
    cells, problems = _cells_of(frame, label, read.unreadable)
    if problems:
        shown = problems[:20]
        more = f"; and {len(problems) - 20} more" if len(problems) > 20 else ""
        raise ImportRefused(f"{label}: grid NOT imported, {len(problems)} problem(s): "
                            + "; ".join(shown) + more)
    with engine.begin() as conn:
        _lock(conn)
        _fill_places(conn, cells)
        return _replace(conn, cells, label)


def _cells_of(frame: gpd.GeoDataFrame, label: str, unreadable: dict[int, str]
              ) -> tuple[list[dict[str, Any]], list[str]]:
    cells, problems, seen = [], [], {}
    for position, (_, feature) in enumerate(frame.iterrows()):
        row = f"{label} row {position + 1}"
        code = _code_text(feature["code"])
        if code is _INEXACT:
            problems.append(f"{row}: field code is a number too long to be exact; store the "
                            "codes as text")
            continue
        if not isinstance(code, str) or not code.strip():
            problems.append(f"{row}: field code is empty; every cell needs its code")
            continue
        code = code.strip()
        if problem := text_problem(code):
            problems.append(f"{row}: field code {problem}")
            continue
        if code in seen:
            problems.append(f"{row}: field code {code!r} repeats row {seen[code]}; "
                            "codes are unique")
            continue
        seen[code] = position + 1
        geometry = feature.geometry
        if isinstance(geometry, shapely.Geometry):
            geometry = shapely.force_2d(geometry)
        if not isinstance(geometry, shapely.Geometry) or geometry.is_empty:
            why = unreadable.get(position, "no geometry")
            problems.append(f"{row} (code {code}): geometry: {why}; draw the cell's polygon")
            continue
        if geometry.geom_type == "MultiPolygon" and len(geometry.geoms) == 1:
            geometry = geometry.geoms[0]
        if geometry.geom_type != "Polygon":
            problems.append(f"{row} (code {code}): geometry is a {geometry.geom_type}; a cell "
                            "is one polygon")
            continue
        if not np.isfinite(shapely.get_coordinates(geometry)).all():
            problems.append(f"{row} (code {code}): geometry has coordinates that are not "
                            "numbers")
            continue
        if not geometry.is_valid:
            problems.append(f"{row} (code {code}): geometry is invalid "
                            f"({shapely.is_valid_reason(geometry)}); repair it in the GIS")
            continue
        cells.append({"code": code, "geom": f"SRID={STORAGE_SRID};{geometry.wkt}",
                      "community": _text(feature.get("community")),
                      "street": _text(feature.get("street"))})
    return cells, problems


_INEXACT = object()


def _code_text(value: Any) -> Any:
    """A code read as a number (a numeric .dbf field) as its digits."""
    if isinstance(value, (bool, np.bool_)):
        return value
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)) and np.isfinite(value) and float(value).is_integer():
        return str(int(value)) if abs(value) < 2**53 else _INEXACT
    return value


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _fill_places(conn: sa.Connection, cells: list[dict[str, Any]]) -> None:
    """Give cells without a community the community holding most of their area."""
    communities = LAYER_TABLES["communities"]
    for cell in cells:
        if cell["community"] is not None:
            continue
        geom = sa.func.ST_GeomFromEWKT(cell["geom"])
        found = conn.execute(
            sa.select(communities.c.name, communities.c.street)
            .where(sa.func.ST_Intersects(communities.c.geom, geom))
            .order_by(sa.func.ST_Area(sa.func.ST_Intersection(communities.c.geom, geom)).desc())
            .limit(1)).first()
        if found is not None:
            cell["community"] = found.name
            cell["street"] = cell["street"] or found.street


def _replace(conn: sa.Connection, cells: list[dict[str, Any]], source: str) -> dict[str, Any]:
    """Replace every cell by *cells* (kept supervisors by code) and re-link every case."""
    supervisors = dict(conn.execute(sa.select(grid_cells.c.code, grid_cells.c.supervisor_id)
                                    .where(grid_cells.c.supervisor_id.is_not(None))).all())
    conn.execute(grid_cells.delete())  # reports.cell_id becomes NULL (ON DELETE SET NULL)
    if cells:
        conn.execute(grid_cells.insert(), [
            {**cell, "source": source, "supervisor_id": supervisors.get(cell["code"])}
            for cell in cells])
    # The case's version is not bumped: its cell is where it lies, not a step someone took.
    holder = (sa.select(grid_cells.c.id)
              .where(sa.func.ST_Intersects(grid_cells.c.geom, reports.c.geom))
              .order_by(grid_cells.c.id).limit(1).scalar_subquery())
    conn.execute(reports.update().values(cell_id=holder))
    linked = conn.scalar(sa.select(sa.func.count()).where(reports.c.cell_id.is_not(None)))
    kept = sum(1 for cell in cells if cell["code"] in supervisors)
    return {"cells": len(cells), "cases_linked": linked, "supervisors_kept": kept,
            "source": source}


def _lock(conn: sa.Connection) -> None:
    # One grid change at a time; readers go on reading the old grid until the commit.
    conn.execute(sa.text("LOCK TABLE grid_cells IN SHARE ROW EXCLUSIVE MODE"))


def _metric_srid(conn: sa.Connection, area) -> int | None:
    middle = conn.scalar(sa.select((sa.func.ST_XMin(area) + sa.func.ST_XMax(area)) / 2))
    return None if middle is None else gauss_kruger_epsg(middle)


def _size(size_m: Any) -> float:
    if isinstance(size_m, bool) or not isinstance(size_m, (int, float)):
        raise InvalidInput(f"the cell size must be a number of metres; got {size_m!r}")
    low, high = SIZE_RANGE_M
    if not low <= size_m <= high:
        raise InvalidInput(f"the cell size must be between {low:g} and {high:g} m; "
                           f"got {size_m:g}")
    return float(size_m)


def _polygon(within: Any):
    if not isinstance(within, shapely.Geometry) or within.geom_type not in (
            "Polygon", "MultiPolygon") or within.is_empty or not within.is_valid:
        raise InvalidInput("within must be a valid polygon in EPSG:4326 (lon/lat)")
    return within


def ensure_grid(engine: sa.Engine) -> dict[str, Any] | None:
    """Generate the grid when there is none and there are communities; ``None`` when
    nothing was done (the sample's first start gets cells, a later one keeps its grid)."""
    communities = LAYER_TABLES["communities"]
    with engine.connect() as conn:
        if conn.scalar(sa.select(sa.exists().select_from(grid_cells))) or not conn.scalar(
                sa.select(sa.exists().select_from(communities))):
            return None
    return generate_grid(engine)


# --- supervisors ----------------------------------------------------------------------------


def assign_supervisor(engine: sa.Engine, user: User | None, *, supervisor: str,
                      cells: list[str] | None = None, community: str | None = None,
                      street: str | None = None) -> dict[str, Any]:
    """Make *supervisor* (a user holding the supervisor duty, 监督员) the supervisor of the
    cells given by code, or of every cell of a community or of a street office (admins)."""
    require(user, "admin")
    chosen = [name for name, value in (("cells", cells), ("community", community),
                                       ("street", street)) if value]
    if len(chosen) != 1:
        raise InvalidInput("give one of: cells (their codes), community or street; "
                           + (f"got {' and '.join(chosen)}" if chosen else "got none"))
    if not isinstance(supervisor, str) or not supervisor.strip():
        raise InvalidInput("supervisor must be the username of a user with the supervisor "
                           "duty")
    with engine.begin() as conn:
        person = conn.execute(sa.select(users.c.id, users.c.username, users.c.duties,
                                        users.c.active)
                              .where(users.c.username == supervisor.strip())).first()
        if person is None or not person.active:
            raise NotFound(f"no active user {supervisor!r}")
        if SUPERVISOR not in person.duties:
            raise InvalidInput(
                f"{person.username} does not hold the supervisor duty (监督员; their duties: "
                f"{', '.join(person.duties) or 'none'}); pick a supervisor, or give the duty "
                "first: lianchuang user duties "
                + " ".join((person.username, *person.duties, SUPERVISOR)))
        if cells:
            where = grid_cells.c.code.in_(list(cells))
            missing = set(cells) - set(conn.scalars(sa.select(grid_cells.c.code).where(where)))
            if missing:
                raise NotFound("no cell " + ", ".join(sorted(missing)) + " in the grid")
        elif community:
            where = grid_cells.c.community == community
        else:
            where = grid_cells.c.street == street
        codes = list(conn.scalars(grid_cells.update().where(where)
                                  .values(supervisor_id=person.id)
                                  .returning(grid_cells.c.code)))
        if not codes:
            raise NotFound(f"no cell of {chosen[0]} {community or street!r} in the grid")
    return {"supervisor": person.username, "cells": sorted(codes)}


# --- reading ---------------------------------------------------------------------------------


def cells_geojson(conn: sa.Connection, *, community: str | None = None,
                  street: str | None = None, supervisor: str | None = None,
                  bbox: BBox | None = None) -> dict[str, Any]:
    """The cells as a GeoJSON FeatureCollection, by community, street office, supervisor
    (username) and bbox."""
    conditions = []
    if community:
        conditions.append(grid_cells.c.community == community)
    if street:
        conditions.append(grid_cells.c.street == street)
    if supervisor:
        conditions.append(users.c.username == supervisor)
    if bbox:
        conditions.append(sa.func.ST_Intersects(grid_cells.c.geom, sa.func.ST_MakeEnvelope(
            bbox.minx, bbox.miny, bbox.maxx, bbox.maxy, STORAGE_SRID)))
    query = (sa.select(grid_cells.c.id, grid_cells.c.code, grid_cells.c.community,
                       grid_cells.c.street, grid_cells.c.source, users.c.username,
                       users.c.display_name,
                       sa.func.ST_AsGeoJSON(grid_cells.c.geom, 7).label("geometry"))
             .select_from(grid_cells.outerjoin(users, users.c.id == grid_cells.c.supervisor_id))
             .where(*conditions).order_by(grid_cells.c.code))
    features = [{"type": "Feature", "id": row.id, "geometry": json.loads(row.geometry),
                 "properties": {"code": row.code, "community": row.community,
                                "street": row.street, "supervisor": row.username,
                                "supervisor_name": row.display_name, "source": row.source}}
                for row in conn.execute(query)]
    return {"type": "FeatureCollection", "features": features}


def hotspots(conn: sa.Connection, since, until, category: str | None = None,
             size: str = "cell", hex_size_m: float = 200.0) -> dict[str, Any]:
    """Where cases were reported from *since* (included) to *until* (excluded): a GeoJSON
    FeatureCollection of grid cells (``size='cell'``) or hexagons of edge *hex_size_m*
    metres (``'hex'``), each with ``count`` and ``by_category``, most cases first.  Refused
    and duplicate cases are not counted; in cell mode ``outside_grid`` counts the cases in
    no cell."""
    if since >= until:
        raise InvalidInput("the period is empty: until must come after since")
    conditions = [reports.c.requested_at >= since, reports.c.requested_at < until,
                  reports.c.status.not_in(UNCOUNTED_STATUSES)]
    if category is not None:
        if conn.scalar(sa.select(case_categories.c.code)
                       .where(case_categories.c.code == category)) is None:
            raise InvalidInput(f"unknown category {category!r}; the categories are: "
                               + ", ".join(conn.scalars(sa.select(case_categories.c.code)
                                                        .order_by(case_categories.c.code))))
        conditions.append(reports.c.category == category)
    if size == "cell":
        return _cell_counts(conn, conditions)
    if size == "hex":
        low, high = HEX_RANGE_M
        if isinstance(hex_size_m, bool) or not isinstance(hex_size_m, (int, float)) or \
                not low <= hex_size_m <= high:
            raise InvalidInput(f"the hexagon size must be between {low:g} and {high:g} m; "
                               f"got {hex_size_m!r}")
        return _hex_counts(conn, conditions, float(hex_size_m))
    raise InvalidInput(f"size must be cell or hex; got {size!r}")


def _cell_counts(conn: sa.Connection, conditions: list) -> dict[str, Any]:
    rows = conn.execute(
        sa.select(grid_cells.c.code, grid_cells.c.community, grid_cells.c.street,
                  sa.func.ST_AsGeoJSON(grid_cells.c.geom, 7).label("geometry"),
                  reports.c.category, sa.func.count().label("n"))
        .select_from(reports.join(grid_cells, grid_cells.c.id == reports.c.cell_id))
        .where(*conditions).group_by(grid_cells.c.id, reports.c.category))
    features = _features(rows, lambda r: r.code, lambda r: {
        "code": r.code, "community": r.community, "street": r.street})
    outside = conn.scalar(sa.select(sa.func.count()).select_from(reports)
                          .where(*conditions, reports.c.cell_id.is_(None)))
    return {"type": "FeatureCollection", "size": "cell", "features": features,
            "outside_grid": outside}


def _hex_counts(conn: sa.Connection, conditions: list, edge_m: float) -> dict[str, Any]:
    middle = conn.scalar(sa.select((sa.func.ST_XMin(sa.func.ST_Extent(reports.c.geom))
                                    + sa.func.ST_XMax(sa.func.ST_Extent(reports.c.geom))) / 2)
                         .where(*conditions))
    if middle is None:
        return {"type": "FeatureCollection", "size": "hex", "hex_size_m": edge_m,
                "features": []}
    srid = gauss_kruger_epsg(middle)
    points = (sa.select(reports.c.id, reports.c.category,
                        sa.func.ST_Transform(reports.c.geom, srid).label("g"))
              .where(*conditions).cte("points"))
    # Hexagons anchored on the CRS's origin: the same hexagon has the same i, j in every
    # period, so two maps compare cell by cell.
    bounds = sa.select(sa.func.ST_Expand(sa.func.ST_Collect(points.c.g), edge_m).label("b")
                       ).cte("bounds")
    hexes = (sa.func.ST_HexagonGrid(edge_m, bounds.c.b)
             .table_valued("geom", "i", "j").render_derived(name="h").lateral())
    # A case on the edge of two hexagons counts once, in the first.
    first = sa.func.row_number().over(partition_by=points.c.id,
                                      order_by=(hexes.c.i, hexes.c.j))
    touching = (sa.select(points.c.category, hexes.c.i, hexes.c.j, hexes.c.geom,
                          first.label("nth"))
                .select_from(bounds).join(hexes, sa.true())
                .join(points, sa.func.ST_Intersects(hexes.c.geom, points.c.g)).subquery())
    hits = sa.select(touching).where(touching.c.nth == 1).cte("hits")
    rows = conn.execute(
        sa.select(hits.c.i, hits.c.j, hits.c.category, sa.func.count().label("n"),
                  sa.func.ST_AsGeoJSON(sa.func.ST_Transform(hits.c.geom, STORAGE_SRID), 7)
                  .label("geometry"))
        .group_by(hits.c.i, hits.c.j, hits.c.geom, hits.c.category))
    features = _features(rows, lambda r: f"{r.i},{r.j}", lambda r: {"hex": f"{r.i},{r.j}"})
    return {"type": "FeatureCollection", "size": "hex", "hex_size_m": edge_m, "srid": srid,
            "features": features}


def _features(rows: Iterable, key, properties) -> list[dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for row in rows:
        feature = found.setdefault(key(row), {
            "type": "Feature", "geometry": json.loads(row.geometry),
            "properties": {**properties(row), "count": 0, "by_category": {}}})
        feature["properties"]["count"] += row.n
        feature["properties"]["by_category"][row.category] = row.n
    return sorted(found.values(), key=lambda f: (-f["properties"]["count"],
                                                 str(next(iter(f["properties"].values())))))
