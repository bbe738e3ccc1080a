"""The application factory and the ``lianchuang serve`` entry point.

Configuration comes from the environment, then from the *config* mapping given to
:func:`create_app` (tests pass theirs there):

``DATABASE_URL``
    PostgreSQL/PostGIS URL; unset means the one ``lianchuang db init`` provisioned.
``LIANCHUANG_TILES``
    Basemap of the web map: ``osm`` (default), ``tianditu`` (needs ``TIANDITU_KEY``) or
    ``none`` (a plain background: the choice for machines without internet).
``LIANCHUANG_START_VIEW``
    What the web map opens on: ``projects`` (default), the box where most features linked
    to projects lie (the county seat, not the far-off sites), or ``all``, every layer's
    extent.  Either way the map's 全县 button frames everything.
``SECRET_KEY``
    Flask's signing key; a random one per process when unset.
``LIANCHUANG_DEPOT``
    ``lon,lat,name`` of the inspectors' depot (the 创建办); a point of the built-up area
    when unset.
``LIANCHUANG_READ``
    ``public`` (default): anyone may read; ``viewer``: every read needs a viewer, a token
    for API clients, signing in (``/signin``) for people.
``LIANCHUANG_SECURE_COOKIES``
    ``1``: the sign-in cookies are Secure (sent over https only) even when the request
    reached us over http (behind a proxy that ends https); over https they are anyway.
``LIANCHUANG_SESSION_HOURS``
    How long a sign-in on the pages lasts, from signing in (default 12).
``LIANCHUANG_TITLE``
    The title the county works toward, which ``/green`` opens on (a title key of
    ``geo/thresholds.json``; default ``national_garden``, 国家园林县城).
``LIANCHUANG_TZ``
    The county's time zone (IANA name, default ``Asia/Shanghai``): today, overdue and date
    filters follow it, never the server's own zone (:mod:`layers.clock`).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from typing import Any

from flask import Flask
from jinja2 import ChoiceLoader, FileSystemLoader

from api import (
    accounts,
    cases,
    dashboard,
    docs,
    exports,
    features,
    feeds,
    green_page,
    grid,
    health,
    i18n,
    inspection_page,
    inspection_routes,
    log_redaction,
    map_page,
    metrics,
    ogc,
    open311,
    photos,
    projects,
    public_cases,
    public_pages,
    readiness,
    readiness_whatif,
    reports,
    signin,
    tiles,
    uploads,
)
from api.auth import configure_sessions, register_key_rule, register_read_policy
from api.errors import register_error_handlers
from api.guards import register_request_guards, register_security_headers
from api.openapi import describe_by_hand, init_api
from layers.green.scenario_request import CHANGE_SCHEMAS
from webmap.basemaps import basemap
from webmap.page import start_view
from webmap.templating import TEMPLATES_DIR

_SETTINGS = ("DATABASE_URL", "LIANCHUANG_TILES", "TIANDITU_KEY", "SECRET_KEY", "LIANCHUANG_READ",
             "LIANCHUANG_DEPOT", "LIANCHUANG_START_VIEW", "LIANCHUANG_SECURE_COOKIES",
             "LIANCHUANG_SESSION_HOURS")


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the Flask app: API blueprints, the web map page, JSON errors.

    Parameters
    ----------
    config
        Settings overriding the environment's (same names as the environment variables).
    """
    app = Flask(__name__, static_folder=None)
    app.config.from_mapping({name: os.environ.get(name) for name in _SETTINGS})
    app.config.from_mapping(config or {})
    app.config["SECRET_KEY"] = app.config["SECRET_KEY"] or secrets.token_hex(32)
    configure_sessions(app)
    log_redaction.install(app)
    # Validated now, so a wrong tile setting stops the start instead of breaking the map.
    app.config["BASEMAP"] = basemap(app.config["LIANCHUANG_TILES"] or "osm",
                                    app.config["TIANDITU_KEY"])
    app.config["START_VIEW"] = start_view(app.config["LIANCHUANG_START_VIEW"])
    app.json.ensure_ascii = False  # Chinese stays readable in responses
    app.json.sort_keys = False
    api = init_api(app)
    i18n.init_app(app)
    # Pages rendered here and the map pages share webmap's base template.
    app.jinja_loader = ChoiceLoader([app.jinja_loader, FileSystemLoader(TEMPLATES_DIR)])
    register_error_handlers(app)  # after flask-smorest's, which they replace
    register_key_rule(app)  # first: a misplaced api_key is refused before anything else
    register_request_guards(app)
    register_security_headers(app)
    register_read_policy(app)
    for blueprint in (features.bp, projects.bp, photos.bp, reports.bp, cases.bp, accounts.bp,
                      public_cases.bp, open311.bp, grid.bp,
                      exports.bp, tiles.bp, inspection_routes.bp, metrics.bp, dashboard.bp,
                      feeds.bp, health.bp, docs.bp, map_page.bp, inspection_page.bp,
                      green_page.bp, signin.bp, public_pages.bp, readiness.bp,
                      readiness_whatif.bp, uploads.bp):
        api.register_blueprint(blueprint)
    app.register_blueprint(ogc.bp)  # described by its own document, /ogc/api
    describe_by_hand(api, app, "/ogc", ogc.LANDING_OPERATION)
    describe_by_hand(api, app, "/static/{filename}", map_page.STATIC_OPERATION)
    for schema in CHANGE_SCHEMAS.values():  # the scenario body's changes are oneOf these
        api.spec.components.schema(schema.__name__, schema=schema)
    return app
