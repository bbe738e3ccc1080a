"""``lianchuang grid``: generate or import the unit grid (万米单元网格), assign supervisors.

Registered on the ``lianchuang`` command by :mod:`api.cli`, whose group turns the project's
errors into one line (``error: …``, exit status 2); like its commands, these import the
layers when run, so ``lianchuang --help`` stays quick.
"""

from __future__ import annotations

import getpass
from pathlib import Path

import click

from layers.storage import db


@click.group("grid")
def grid() -> None:
    """The unit grid: 100 m cells, their codes and supervisors."""


@grid.command("generate")
@click.option("--size", default=100.0, show_default=True, type=float,
              help="Side of a cell in metres.")
@click.option("--replace-imported", is_flag=True,
              help="Replace a grid imported from the county's file too.")
def generate(size: float, replace_imported: bool) -> None:
    """Build square cells over the communities and replace the grid (cases re-linked)."""
    from layers.cases import grid as unit_grid

    done = unit_grid.generate_grid(db.get_engine(), size, replace_imported=replace_imported)
    click.echo(f"{done['cells']} cells of {size:g} m (EPSG:{done['srid']}); "
               f"{done['cases_linked']} cases in a cell; "
               f"{done['supervisors_kept']} supervisors kept")


@grid.command("import")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--crs", help="CRS of the coordinates when the file has no .prj: EPSG:4490, "
                            "EPSG:4545, ..., or gcj02.")
@click.option("--encoding", help="Text encoding of a Shapefile's .dbf, e.g. GBK.")
def import_command(path: Path, crs: str | None, encoding: str | None) -> None:
    """Replace the grid with the county's own cells from PATH (a `code` field required);
    all or nothing."""
    from layers.cases import grid as unit_grid

    done = unit_grid.import_grid(db.get_engine(), path, crs=crs, encoding=encoding)
    click.echo(f"{done['cells']} cells imported from {done['source']}; "
               f"{done['cases_linked']} cases in a cell; "
               f"{done['supervisors_kept']} supervisors kept")


@grid.command("assign")
@click.option("--supervisor", required=True, help="Username holding the supervisor duty.")
@click.option("--cell", "cells", multiple=True, help="A cell's code (repeat for several).")
@click.option("--community", help="Every cell of this community.")
@click.option("--street", help="Every cell of this street office.")
def assign(supervisor: str, cells: tuple[str, ...], community: str | None,
           street: str | None) -> None:
    """Make SUPERVISOR the supervisor of cells, of a community or of a street office."""
    from layers.cases import grid as unit_grid

    done = unit_grid.assign_supervisor(db.get_engine(), _operator(), supervisor=supervisor,
                                       cells=list(cells) or None, community=community,
                                       street=street)
    click.echo(f"{done['supervisor']} supervises {len(done['cells'])} cell(s)")


def _operator():
    from layers.tracking.accounts import User

    # Whoever runs the command holds the database's credentials: an admin, as for
    # `lianchuang user add`.
    return User(0, getpass.getuser(), getpass.getuser(), "admin", None)
