"""The ``lianchuang`` command: provision the database, import data, serve the map.

Errors the user can fix are printed as one line (``error: …``) with exit status 2; a
rejected import prints its full report and exits with status 1.
"""

from __future__ import annotations

import getpass
import json
import sys
from pathlib import Path

import click
import sqlalchemy as sa

from api.cli_grid import grid
from api.cli_readiness import snapshot
from geo.errors import LianchuangError
from layers.errors import ValidationFailed
from layers.storage import db


class _Group(click.Group):
    """Turn the project's own errors into a clear message instead of a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except ValidationFailed as exc:
            report = exc.report
            if ctx.meta.get("json"):
                click.echo(report.to_json())
            else:
                click.echo(report.to_text(), err=True)
            sys.exit(1)
        except sa.exc.OperationalError as exc:
            click.echo(f"error: {db.unreachable(exc)}", err=True)
            sys.exit(2)
        except sa.exc.ProgrammingError as exc:
            behind = db.schema_behind(exc)
            if behind is None:
                raise
            click.echo(f"error: {behind}", err=True)
            sys.exit(2)
        except (LianchuangError, ValueError) as exc:
            if ctx.meta.get("json"):  # --json promises JSON on stdout, whatever happens
                click.echo(json.dumps({"error": str(exc)}, ensure_ascii=False))
            click.echo(f"error: {exc}", err=True)
            sys.exit(2)


@click.group(cls=_Group)
def main() -> None:
    """联创 Lianchuang: campaign projects, parks, roads and water sources on one map."""


@main.group("db")
def database() -> None:
    """Set up the PostGIS database."""


@database.command("init")
def db_init() -> None:
    """Provision PostGIS (local when DATABASE_URL is unset) and apply migrations."""
    from layers.storage.provision import init_database

    init_database(log=lambda line: click.echo(line, err=True))


@database.command("seed")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
def db_seed(paths: tuple[Path, ...]) -> None:
    """Import PATHS (e.g. the sample data) into an empty database; leave a database that
    already holds data as it is.  With no unit grid yet, generate one over the communities."""
    from layers.cases.grid import ensure_grid
    from layers.exchange.importer import ImportOptions, import_into_empty

    report = import_into_empty(db.get_engine(), list(paths), ImportOptions(actor="import (sample)"))
    if report is None:
        click.echo("the database already holds data: nothing imported (use "
                   "`lianchuang import` to add or update files)")
    else:
        click.echo(report.to_text())
    cells = ensure_grid(db.get_engine())
    if cells is not None:
        click.echo(f"unit grid: {cells['cells']} cells generated over the communities")


@database.command("revision")
@click.option("-m", "--message", required=True, help="What the migration changes.")
def db_revision(message: str) -> None:
    """Write a migration for the difference between the layer specs and the database."""
    from layers.storage.migrate import revision

    revision(db.database_url(), message)


@database.command("backup")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--no-tokens", is_flag=True,
              help="Leave out API token and password hashes (for copies that leave the "
                   "office).")
def db_backup(path: Path, no_tokens: bool) -> None:
    """Write the whole project (layers, projects, events, reports, users) to one GeoPackage."""
    from layers.exchange.backup import backup

    counts = backup(db.get_engine(), path, tokens=not no_tokens)
    click.echo(f"backed up {sum(counts.values())} rows of {len(counts)} tables to {path}")


@database.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def db_restore(path: Path) -> None:
    """Load a backup into an empty database (run `lianchuang db init` on it first)."""
    from layers.exchange.backup import restore

    counts = restore(db.get_engine(), path)
    click.echo(f"restored {sum(counts.values())} rows of {len(counts)} tables from {path}")


@main.command("export")
@click.argument("layer")
@click.option("--format", "fmt", default="gpkg", show_default=True,
              type=click.Choice(["gpkg", "shp", "geojson", "kml", "csv"]))
@click.option("--encoding", default="utf-8", show_default=True,
              type=click.Choice(["utf-8", "gbk"]), help="Shapefile .dbf / CSV encoding.")
@click.option("--crs", default="EPSG:4326", show_default=True,
              help="EPSG:4326, EPSG:4490 (CGCS2000) or gk (its Gauss-Krüger zone of the data).")
@click.option("--status", multiple=True, help="Only features of projects in this status.")
@click.option("--campaign", multiple=True, help="Only features of projects of this campaign.")
@click.option("--department", help="Only features of this department's projects.")
@click.option("--overdue", is_flag=True, default=None, help="Only features of overdue projects.")
@click.option("-o", "--output", "folder", default=".", show_default=True,
              type=click.Path(file_okay=False, path_type=Path), help="Folder to write into.")
def export_command(layer: str, fmt: str, encoding: str, crs: str, status, campaign,
                   department, overdue, folder: Path) -> None:
    """Export LAYER (or the features of the projects selected) as a file."""
    from layers.exchange.layer_export import export_layer
    from layers.serving.query import ProjectFilter

    folder.mkdir(parents=True, exist_ok=True)
    selection = ProjectFilter(statuses=tuple(status), campaigns=tuple(campaign),
                              department=department, overdue=overdue)
    exported = export_layer(db.get_engine(), layer, fmt, folder, projects_filter=selection,
                            encoding=encoding, crs=crs)
    click.echo(str(exported.path))


@main.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--layer", help="Catalogue layer the file holds (default: the file's name).")
@click.option("--crs", help="CRS of the coordinates when the file has no .prj, or to override "
                            "it: EPSG:4490, EPSG:4545, ..., or gcj02 for Amap/Gaode.")
@click.option("--encoding", help="Text encoding of a Shapefile's .dbf, e.g. GBK or UTF-8.")
@click.option("--id-field", help="Column holding stable feature ids (default: fid).")
@click.option("--skip-invalid", is_flag=True,
              help="Import the valid features and report the rejected ones.")
@click.option("--dry-run", is_flag=True,
              help="Check everything and show what would change, write nothing.")
@click.option("--overwrite", is_flag=True,
              help="Replace values changed in the service since the last import.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_context
def import_command(ctx: click.Context, paths: tuple[Path, ...], layer, crs, encoding, id_field,
                   skip_invalid: bool, dry_run: bool, overwrite: bool, as_json: bool) -> None:
    """Import layer files (Shapefile, GeoPackage, GeoJSON), folders of them, or a project
    ledger (projects.csv / .xlsx).  One transaction: all or nothing."""
    from layers.exchange.importer import ImportOptions, import_paths

    ctx.meta["json"] = as_json
    options = ImportOptions(layer=layer, crs=crs, encoding=encoding, id_field=id_field,
                            skip_invalid=skip_invalid, dry_run=dry_run, overwrite=overwrite,
                            actor=f"import ({getpass.getuser()})")
    report = import_paths(db.get_engine(), list(paths), options)
    click.echo(report.to_json() if as_json else report.to_text())


@main.group("user")
def user() -> None:
    """Accounts and API tokens."""


@user.command("add")
@click.argument("username")
@click.option("--name", "display_name", help="Name shown in histories (default: username).")
@click.option("--role", required=True,
              type=click.Choice(["viewer", "inspector", "planner", "admin"]))
@click.option("--department", help="责任单位; required for planners (they edit its projects).")
@click.option("--token/--no-token", default=True, show_default=True,
              help="Also issue an API token and print it.")
@click.option("--expires", help="How long the token works: 90d, 12h, never "
                                "(default: LIANCHUANG_TOKEN_DAYS, else 90 days).")
@click.option("--password", "ask_password", is_flag=True,
              help="Ask for a password (typed twice, not shown): signing in on the pages.")
@click.option("--duty", "duties", multiple=True,
              type=click.Choice(["dispatcher", "handler", "supervisor", "leader"]),
              help="A duty in the handling of cases (repeat for several): dispatcher 受理员, "
                   "handler 处置单位 (needs --department), supervisor 监督员, leader 领导.")
def user_add(username: str, display_name: str | None, role: str, department: str | None,
             token: bool, expires: str | None, ask_password: bool,
             duties: tuple[str, ...]) -> None:
    """Create a user (and print a new API token, shown only once)."""
    from layers.tracking.accounts import create_user, issue_token, parse_lifetime, set_password

    lifetime = parse_lifetime(expires) if expires else "default"
    password = _new_password() if ask_password else None
    with db.get_engine().begin() as conn:
        created = create_user(conn, username, display_name or username, role, department,
                              duties=duties)
        if password is not None:
            set_password(conn, username, password)
        secret = issue_token(conn, username, lifetime=lifetime) if token else None
    click.echo(f"created {created.username} ({created.role}"
               + (f", {created.department})" if created.department else ")"), err=True)
    if secret:
        click.echo(secret)


@user.command("token")
@click.argument("username")
@click.option("--label", help="What the token is for (e.g. 'phone').")
@click.option("--expires", help="How long it works: 90d, 12h, never (default: 90 days).")
def user_token(username: str, label: str | None, expires: str | None) -> None:
    """Issue another API token for USERNAME and print it (shown only once)."""
    from layers.tracking.accounts import issue_token, parse_lifetime

    lifetime = parse_lifetime(expires) if expires else "default"
    with db.get_engine().begin() as conn:
        click.echo(issue_token(conn, username, label, lifetime=lifetime))


@user.command("password")
@click.argument("username")
def user_password(username: str) -> None:
    """Set USERNAME's password for signing in on the pages (ends its signed-in sessions)."""
    from layers.tracking.accounts import set_password

    password = _new_password()
    with db.get_engine().begin() as conn:
        set_password(conn, username, password)
    click.echo(f"password set for {username}", err=True)


def _new_password() -> str:
    return click.prompt("password", hide_input=True, confirmation_prompt=True)


@user.command("duties")
@click.argument("username")
@click.argument("duties", nargs=-1)
def user_duties(username: str, duties: tuple[str, ...]) -> None:
    """Set USERNAME's duties in the handling of cases (none given: clears them):
    dispatcher, handler (needs the user's department), supervisor, leader."""
    from layers.tracking.accounts import set_duties

    with db.get_engine().begin() as conn:
        changed = set_duties(conn, username, duties)
    click.echo(f"{changed.username}: {', '.join(changed.duties) or 'no duties'}", err=True)


@main.group("cases")
def cases_group() -> None:
    """Cases (案件): escalation of overdue cases."""


@cases_group.command("escalate")
def cases_escalate() -> None:
    """督办: escalate every case past its deadline and not yet escalated (run it from cron,
    e.g. every 15 minutes in working hours); prints their ids."""
    from layers.cases.cases import escalate_overdue

    escalated = escalate_overdue(db.get_engine())
    click.echo(f"escalated {len(escalated)} case(s)" + (
        ": " + ", ".join(map(str, escalated)) if escalated else ""), err=True)


@user.command("revoke")
@click.argument("username")
def user_revoke(username: str) -> None:
    """Revoke every API token of USERNAME."""
    from layers.tracking.accounts import revoke_tokens

    with db.get_engine().begin() as conn:
        click.echo(f"revoked {revoke_tokens(conn, username)} token(s)", err=True)


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--workers", type=click.IntRange(1, 64),
              help="gunicorn worker processes (default: from the cores).")
@click.option("--dev", is_flag=True,
              help="Werkzeug's development server with its reloader instead of gunicorn.")
def serve(host: str, port: int, workers: int | None, dev: bool) -> None:
    """Serve the API and the planners' web map (gunicorn; --dev for development)."""
    from api.app import create_app
    from api.server import serve as run

    run(create_app(), host, port, dev=dev, workers=workers)


main.add_command(grid)
main.add_command(snapshot)

if __name__ == "__main__":
    main()
