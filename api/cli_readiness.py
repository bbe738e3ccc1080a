"""``lianchuang snapshot``: store every readiness item's value with the date.

Run monthly (cron, see the README); the readiness page draws each item's trend from these
snapshots and projects it to the item's target date.  Registered on the ``lianchuang``
command by :mod:`api.cli`; imports the layers when run, so ``lianchuang --help`` stays quick.
"""

from __future__ import annotations

import datetime as dt

import click

from layers.storage import db


@click.command("snapshot")
@click.option("--title", "titles", multiple=True,
              help="A title key (repeat for several; default: all six).")
@click.option("--date", "on", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="The date to store the values under (default: today in the county's zone).")
def snapshot(titles: tuple[str, ...], on: dt.datetime | None) -> None:
    """Store every readiness item's value (and status) as of today, for the trends."""
    from layers.readiness.checklists import checklist
    from layers.readiness.snapshots import take_snapshot

    for title in titles:
        checklist(title)  # an unknown title stops here, named
    done = take_snapshot(db.get_engine(), on.date() if on else None, list(titles) or None)
    for title, count in done.items():
        click.echo(f"{title}: {count} items")
