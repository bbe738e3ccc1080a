"""Shared fixtures: one real PostGIS for the whole run, emptied before each test.

The test database is ``TEST_DATABASE_URL`` when set; otherwise a local PostGIS database
``lianchuang_test`` provisioned the same way ``lianchuang db init`` provisions the service's
own (so a fresh machine needs nothing but the README's test command).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import sqlalchemy as sa

from layers.cases.categories import ensure_seed
from layers.storage import db, provision
from layers.storage.models import metadata

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "shapefiles"


@pytest.fixture(scope="session")
def database_url() -> str:
    url = os.environ.get("TEST_DATABASE_URL") or provision.provision_local("lianchuang_test")
    return provision.init_database(url, log=lambda _: None)


@pytest.fixture(scope="session")
def engine(database_url: str) -> sa.Engine:
    return db.get_engine(database_url)


@pytest.fixture
def clean_db(engine: sa.Engine) -> sa.Engine:
    """The test database with every table of ours empty; tests run one at a time on it."""
    names = ", ".join(t.name for t in metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        ensure_seed(conn)  # reference data every case needs, as `lianchuang db init` leaves it
    return engine
