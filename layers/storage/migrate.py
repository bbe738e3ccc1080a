"""Alembic migrations, run from code so that ``lianchuang db init`` needs no alembic.ini.

To write a migration after changing a layer spec or a table::

    lianchuang db revision -m "add parks.opened"

then read the generated file in ``layers/storage/migrations/versions/`` before committing it.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def revision(url: str, message: str) -> None:
    """Autogenerate a migration from the difference between the models and the database."""
    command.revision(alembic_config(url), message=message, autogenerate=True)


@lru_cache(maxsize=1)
def head_revision() -> str:
    """The newest migration this version of the code has."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config("postgresql://unused")).get_current_head()


def schema_lag(conn: sa.Connection) -> str | None:
    """Why the database's schema is not this code's (never migrated, or at an older
    revision), or ``None`` when it is at :func:`head_revision`."""
    try:
        with conn.begin_nested():
            current = conn.scalar(sa.text("SELECT version_num FROM alembic_version"))
    except sa.exc.ProgrammingError:
        current = None
    if current == head_revision():
        return None
    where = f"at revision {current}" if current else "not set up"
    return (f"the database is {where}; this version of Lianchuang needs revision "
            f"{head_revision()}: run `lianchuang db init` to apply the migrations")
