"""The green layers and their indicators, kept between requests while the data is unchanged.

Opening the page, switching the title and asking for the report compute once: the layers
are read and the indicators computed again only when a table read has changed (row count or
latest ``imported_at``).  The cache is keyed by the database (its URL without the password).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from geo.green import green_indicators
from geo.green_model import GreenLayers, GreenReport
from geo.scenario import Change, ScenarioResult, what_if
from layers.green.load import SCENARIO_SOURCES, load_green_layers, read_layer
from layers.storage.db import change_stamp, unreachable
from layers.storage.models import layer_table

#: The layers :func:`layers.green.load.load_green_layers` reads (their latest import dates the data).
READ_LAYERS = ("built_up_area", "parks", "green_spaces", "communities", "residential_land",
               "streets", "road_segments", "watercourses")


@dataclass
class GreenState:
    """The loaded layers, the date of their latest import, and indicators computed on them."""

    stamp: tuple
    data_date: dt.datetime | None
    layers: GreenLayers
    reports: dict[bool, GreenReport] = field(default_factory=dict)
    walking: bool = True

    @property
    def report(self) -> GreenReport:
        return self.reports[self.walking]


_states: dict[str, GreenState] = {}
_states_lock = threading.Lock()


def current_state(engine: sa.Engine, *, walking: bool) -> GreenState:
    """The layers and their report (with or without the walking variant), from the cache
    when the tables have not changed since they were read."""
    try:
        stamp, data_date = _data_stamp(engine)
        key = engine.url.render_as_string(hide_password=True)
        with _states_lock:  # one computation at a time; the others then find it done
            state = _states.get(key)
            if state is None or state.stamp != stamp:
                state = GreenState(stamp, data_date, load_green_layers(engine))
                _states[key] = state
            if walking not in state.reports:
                state.reports[walking] = green_indicators(state.layers,
                                                                    walking=walking)
    except sa.exc.OperationalError as exc:
        raise unreachable(exc) from None
    return dataclasses.replace(state, walking=walking)


def _data_stamp(engine: sa.Engine) -> tuple[tuple, dt.datetime | None]:
    """The change stamp of the layers read (:func:`layers.storage.db.change_stamp`: an edit
    on the map changes it as an import does), and the latest import of all."""
    tables = [layer_table(name) for name in READ_LAYERS]
    latest = sa.func.greatest(*(sa.select(sa.func.max(table.c.imported_at)).scalar_subquery()
                                for table in tables))
    with engine.connect() as conn:
        return change_stamp(conn, tables), conn.scalar(sa.select(latest))

def run_scenario(engine: sa.Engine, changes: list[Change], *, walking: bool
                 ) -> tuple[GreenState, ScenarioResult]:
    """The stored layers' indicators before and after *changes* (nothing is written)."""
    state = current_state(engine, walking=walking)
    return state, what_if(state.layers, changes, sources=scenario_sources(engine),
                          walking=walking)


def scenario_sources(engine: sa.Engine) -> dict[str, Any]:
    """The layers a scenario's changes may take features from (``convert``, ``remove``)."""
    try:
        with engine.connect() as conn:
            return {name: read_layer(conn, name) for name in SCENARIO_SOURCES}
    except sa.exc.OperationalError as exc:
        raise unreachable(exc) from None
