"""The app's database engine, reached per request as in Flask's tutorial (``get_db``)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app

from layers.storage import db


def get_engine() -> sa.Engine:
    """The pooled engine for the app's ``DATABASE_URL`` (or the provisioned one).

    Made on first use rather than at start-up, so the service starts, and ``/healthz``
    answers 503, while the database is down; ``pool_pre_ping`` replaces dead connections
    once it is back.
    """
    return db.get_engine(current_app.config["DATABASE_URL"])
