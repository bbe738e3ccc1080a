"""How features meet their projects: the links, the status that colours a feature, filters.

Display status rule: a feature shows the status that most needs attention among its
projects: ``overdue`` first, then ``suspended``, then the least advanced workflow stage
(planned → approved → in_progress → completed → accepted).  A feature without projects
has none and keeps its layer's own style.  The features API, the OGC API, the vector tiles
and the exports all follow it through this module.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, aggregate_order_by

from layers.serving.query import BBox, ProjectFilter, overdue_condition, search_pattern
from layers.storage.catalogue import LAYERS
from layers.storage.models import STORAGE_SRID, layer_table, project_features, projects
from layers.storage.spec import LayerSpec

#: Order in which a status claims a feature's colour (first wins); see the module docstring.
DISPLAY_PRIORITY = ("overdue", "suspended", "planned", "approved", "in_progress", "completed",
                    "accepted")

#: Each link of a feature to a project, with the project's row.
LINKED = project_features.join(projects, projects.c.id == project_features.c.project_id)


def linked_to(spec: LayerSpec, table: sa.Table, *columns: Any) -> sa.Select:
    """*columns* over the projects linked to the enclosing query's feature (correlated)."""
    return (sa.select(*columns).select_from(LINKED)
            .where(project_features.c.layer == spec.name,
                   project_features.c.fid == table.c.fid))


def feature_conditions(spec: LayerSpec, table: sa.Table, bbox: BBox | None,
                        projects_filter: ProjectFilter, q: str | None,
                        today: dt.date) -> list[sa.ColumnElement]:
    conditions = []
    if bbox is not None:
        envelope = sa.func.ST_MakeEnvelope(bbox.minx, bbox.miny, bbox.maxx, bbox.maxy,
                                           STORAGE_SRID)
        conditions.append(sa.func.ST_Intersects(table.c.geom, envelope))
    if projects_filter.active:
        passing = projects_filter.conditions(projects, today)
        conditions.append(sa.exists(linked_to(spec, table, sa.literal(1)).where(*passing)))
    if q is not None:
        pattern = search_pattern(q)
        project_named = sa.or_(projects.c.name.ilike(pattern, escape="\\"),
                               projects.c.code.ilike(pattern, escape="\\"))
        conditions.append(sa.or_(table.c.name.ilike(pattern, escape="\\"),
                                 sa.exists(linked_to(spec, table, sa.literal(1))
                                           .where(project_named))))
    return conditions


def display_status(linked_projects: list[dict[str, Any]]) -> str | None:
    """The status that colours a feature with these projects (module docstring's rule)."""
    if not linked_projects:
        return None
    candidates = {"overdue" if p["overdue"] else p["status"] for p in linked_projects}
    return min(candidates, key=DISPLAY_PRIORITY.index)


def linked_projects(layer: str, features: sa.FromClause, today: dt.date | sa.BindParameter,
                    projects_filter: ProjectFilter = ProjectFilter()) -> sa.Subquery:
    """``display_status`` and ``projects`` (codes) of the *features* that have projects.

    *features* is any FROM with a ``fid`` column (the tile's or the page's features);
    LEFT JOIN the result on ``fid``: features without projects get ``NULL`` for both (an
    inner join keeps only features with a project).  With *projects_filter*, only the
    projects passing it count, as in the features API.
    Grouping the links of the whole set at once costs a tenth of a per-feature subquery
    when most features have no project.  The status follows the rule of
    :func:`display_status`: overdue, then suspended, then the least
    advanced stage.
    """
    shown = sa.case((overdue_condition(projects, today), "overdue"), else_=projects.c.status)
    rank = sa.func.array_position(sa.literal(list(DISPLAY_PRIORITY), ARRAY(sa.Text)), shown)
    by_priority = sa.type_coerce(sa.func.array_agg(aggregate_order_by(shown, rank)),
                                 ARRAY(sa.Text))
    codes = sa.func.string_agg(projects.c.code, aggregate_order_by(sa.literal(","),
                                                                   projects.c.code))
    # One array of the features' ids: the (layer, fid) index then finds their links in a
    # single scan, however the planner misjudges the number of features.
    fids = sa.cast(sa.select(sa.func.array_agg(features.c.fid)).scalar_subquery(),
                   ARRAY(sa.Text))
    return (sa.select(project_features.c.fid, by_priority[1].label("display_status"),
                      codes.label("projects"))
            .select_from(LINKED)
            .where(project_features.c.layer == layer,
                   project_features.c.fid == sa.any_(fids),
                   *projects_filter.conditions(projects, today))
            .group_by(project_features.c.fid)
            .subquery("linked"))


def projects_extent(engine: sa.Engine, share: float = 0.9) -> list[float] | None:
    """Where the campaign's work is: ``[minx, miny, maxx, maxy]`` in EPSG:4326, or ``None``.

    The box holding the middle *share* of the centres of every feature linked to a project,
    in longitude and in latitude apart, so that a few far-off sites (a reservoir's
    protection zone, a landfill) do not shrink the county seat, where most of the work
    is, to a corner of the map; widened by a tenth on each side, so that the features at
    its edges show whole.  ``None`` when no feature is linked to a project.
    """
    centres = sa.union_all(*(
        sa.select(sa.func.ST_Centroid(table.c.geom).label("centre"))
        .where(sa.exists(linked_to(spec, table, sa.literal(1))))
        for spec, table in ((spec, layer_table(spec.name)) for spec in LAYERS)
    )).subquery()
    low, high = (1 - share) / 2, (1 + share) / 2
    x, y = sa.func.ST_X(centres.c.centre), sa.func.ST_Y(centres.c.centre)
    query = sa.select(*(sa.func.percentile_cont(fraction).within_group(axis)
                        for fraction, axis in ((low, x), (low, y), (high, x), (high, y))))
    with engine.connect() as conn:
        box = conn.execute(query).one()
    if box[0] is None:
        return None
    minx, miny, maxx, maxy = (float(value) for value in box)
    margin_x, margin_y = (maxx - minx) / 10, (maxy - miny) / 10
    return [minx - margin_x, miny - margin_y, maxx + margin_x, maxy + margin_y]
