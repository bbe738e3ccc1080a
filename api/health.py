"""``/healthz``: is the service up and can it reach its database?"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Response

from api import schemas
from api.database import get_engine
from api.errors import database_unreachable_message, error_response
from api.openapi import Blueprint
from api.render import json_response
from layers.errors import DatabaseUnavailable
from layers.storage import migrate

bp = Blueprint("health", __name__, description="Is the service up?")


@bp.get("/healthz")
@bp.response(200, schemas.Health, description="Healthy")
@bp.alt_response(503, schema=schemas.Health, description="Database unreachable or not "
                                                          "configured")
def healthz() -> Response:
    """Health

    200 when the database answers and its schema is this version's (the newest migration);
    503 saying why when it does not (unreachable, or `lianchuang db init` not yet run).

    Each call asks the pool for a connection, and ``pool_pre_ping`` replaces connections
    that died while the database was down, so the answer turns back to 200 by itself.
    """
    try:
        with get_engine().connect() as conn:
            lag = migrate.schema_lag(conn)
    except DatabaseUnavailable as exc:
        return error_response(503, str(exc), status="unavailable", database="not configured")
    except (sa.exc.OperationalError, sa.exc.TimeoutError) as exc:
        return error_response(503, database_unreachable_message(exc), status="unavailable",
                              database="unreachable")
    if lag:
        return error_response(503, lag, status="unavailable", database="outdated")
    return json_response({"status": "ok", "database": "ok"})
