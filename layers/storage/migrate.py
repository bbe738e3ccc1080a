"""Alembic migrations, run from code so that ``lianchuang db init`` needs no alembic.ini.

To write a migration after changing a layer spec or a table::

    lianchuang db revision -m "add parks.opened"

then read the generated file in ``layers/storage/migrations/versions/`` before committing it.
"""

from __future__ import annotations

from pathlib import Path

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
