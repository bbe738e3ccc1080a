"""Case categories (案件类别) as data: parts (部件) and events (事件), every version kept.

Each category carries the standard's code (部件/事件, 大类/小类), its filing criteria
(立案条件), closing criteria (结案条件), time limit in working hours or working days, its
default responsible unit and the unit rules by location, and the questions Open311 clients
are asked (``attributes``).  The seed, ``case_categories.json`` beside this module, is
checked against ``case_categories.schema.json``; ``ensure_seed`` adds what is missing and
brings up to date the rows nobody has edited; an admin's edit (``save_category``) is a new
version, and every version stays in ``case_category_versions``.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import jsonschema
import sqlalchemy as sa

from geo.errors import InvalidInput, NotFound
from layers.storage.catalogue import FALLBACK_DEPARTMENT
from layers.storage.models import (
    LAYER_TABLES,
    STORAGE_SRID,
    case_categories,
    case_category_versions,
)
from layers.tracking.accounts import User, require
from layers.tracking.workflow import StaleVersion

SEED_FILE = Path(__file__).with_name("case_categories.json")
SCHEMA_FILE = Path(__file__).with_name("case_categories.schema.json")
#: Columns of their own; the rest of a definition is kept in the ``data`` column.
COLUMNS = ("kind", "major_code", "major_name", "minor_code", "minor_name", "name", "name_en")
#: Who wrote rows that ensure_seed may bring up to date (nobody edited them since).
SEEDERS = ("seed", "migration 0007")


class InvalidCategory(InvalidInput):
    """A category definition that breaks the schema."""


@functools.lru_cache(maxsize=1)
def _schema() -> dict[str, Any]:
    return json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


def check_definition(definition: Any, *, where: str = "category") -> dict[str, Any]:
    """*definition* if it is a valid category; otherwise :class:`InvalidCategory` naming the
    field and what is wrong."""
    if not isinstance(definition, dict):
        raise InvalidCategory(f"{where} must be a JSON object")
    document = {"source": "a category given through the API", "categories": [definition]}
    errors = sorted(jsonschema.Draft202012Validator(_schema()).iter_errors(document),
                    key=lambda e: list(e.absolute_path))
    if errors:
        error = errors[0]
        path = [p for p in list(error.absolute_path)[2:]]
        field = ".".join(str(p) for p in path) or "the definition"
        raise InvalidCategory(f"{where}: {field}: {error.message}")
    return definition


@functools.lru_cache(maxsize=1)
def seed_definitions() -> tuple[dict[str, Any], ...]:
    """The categories of the seed file, checked."""
    document = json.loads(SEED_FILE.read_text(encoding="utf-8"))
    errors = list(jsonschema.Draft202012Validator(_schema()).iter_errors(document))
    if errors:
        raise InvalidCategory(f"{SEED_FILE}: {errors[0].message}")
    codes = [c["code"] for c in document["categories"]]
    if len(set(codes)) != len(codes):
        raise InvalidCategory(f"{SEED_FILE}: a category code appears twice")
    return tuple(document["categories"])


def _row(definition: dict[str, Any]) -> dict[str, Any]:
    return {**{c: definition[c] for c in COLUMNS},
            "data": {k: v for k, v in definition.items() if k not in (*COLUMNS, "code")}}


def _definition(row) -> dict[str, Any]:
    m = row._mapping
    return {"code": m["code"], **{c: m[c] for c in COLUMNS}, **m["data"]}


def ensure_seed(conn: sa.Connection) -> int:
    """Add the seed's missing categories and update those nobody edited; return how many
    rows were written.  An admin's edits are never overwritten."""
    current = {r.code: r for r in conn.execute(sa.select(case_categories))}
    written = 0
    for definition in seed_definitions():
        code = definition["code"]
        row = current.get(code)
        if row is None:
            conn.execute(case_categories.insert().values(code=code, updated_by="seed",
                                                         **_row(definition)))
            version = 1
        elif row.updated_by in SEEDERS and _definition(row) != definition:
            version = row.version + 1
            conn.execute(case_categories.update().where(case_categories.c.code == code).values(
                **_row(definition), version=version, updated_by="seed",
                updated_at=sa.func.now()))
        else:
            continue
        conn.execute(case_category_versions.insert().values(
            code=code, version=version, definition=definition, changed_by="seed",
            note="from case_categories.json"))
        written += 1
    return written


def list_categories(conn: sa.Connection, *, include_inactive: bool = False
                    ) -> list[dict[str, Any]]:
    """Every category (active ones unless asked), parts before events, by code."""
    query = sa.select(case_categories).order_by(
        case_categories.c.kind.desc(), case_categories.c.major_code,
        case_categories.c.minor_code, case_categories.c.code)
    if not include_inactive:
        query = query.where(case_categories.c.active)
    return [{**_definition(r), "active": r.active, "version": r.version,
             "updated_at": r.updated_at.isoformat(), "updated_by": r.updated_by}
            for r in conn.execute(query)]


def get_category(conn: sa.Connection, code: str) -> dict[str, Any]:
    row = conn.execute(sa.select(case_categories).where(case_categories.c.code == code)).first()
    if row is None:
        raise NotFound(f"no case category {code!r}; list them at /api/case-categories")
    return {**_definition(row), "active": row.active, "version": row.version,
            "updated_at": row.updated_at.isoformat(), "updated_by": row.updated_by}


def labels(conn: sa.Connection) -> dict[str, tuple[str, str]]:
    """Every category's (zh, en) name by code, inactive ones included (old cases keep them)."""
    return {r.code: (r.name, r.name_en)
            for r in conn.execute(sa.select(case_categories.c.code, case_categories.c.name,
                                            case_categories.c.name_en))}


def save_category(engine: sa.Engine, user: User | None, code: str, definition: dict[str, Any],
                  *, version: int | None, note: str | None = None,
                  active: bool = True) -> dict[str, Any]:
    """Create category *code* (``version`` None) or replace it (``version``: the one read);
    admins only.  The previous version stays in the history."""
    user = require(user, "admin")
    definition = check_definition({**definition, "code": code}, where=f"category {code!r}")
    with engine.begin() as conn:
        row = conn.execute(sa.select(case_categories).where(case_categories.c.code == code)
                           .with_for_update()).first()
        if row is None:
            if version is not None:
                raise NotFound(f"no case category {code!r} to replace; create it without a "
                               "version")
            new_version = 1
            conn.execute(case_categories.insert().values(
                code=code, updated_by=user.label, active=active, **_row(definition)))
        else:
            if version is None:
                raise StaleVersion(f"case category {code!r} exists already (version "
                                   f"{row.version}); send its version to replace it",
                                   get_category(conn, code))
            if version != row.version:
                raise StaleVersion(f"case category {code!r} is at version {row.version}, not "
                                   f"{version}: reload it and apply your change again",
                                   get_category(conn, code))
            new_version = row.version + 1
            conn.execute(case_categories.update().where(case_categories.c.code == code).values(
                **_row(definition), active=active, version=new_version,
                updated_by=user.label, updated_at=sa.func.now()))
        conn.execute(case_category_versions.insert().values(
            code=code, version=new_version, definition={**definition, "active": active},
            changed_by=user.label, note=note))
        return get_category(conn, code)


def category_versions(conn: sa.Connection, code: str) -> list[dict[str, Any]]:
    """Every version of category *code*, newest first."""
    get_category(conn, code)
    return [{"version": r.version, "changed_by": r.changed_by,
             "changed_at": r.changed_at.isoformat(), "note": r.note,
             "definition": r.definition}
            for r in conn.execute(sa.select(case_category_versions)
                                  .where(case_category_versions.c.code == code)
                                  .order_by(case_category_versions.c.version.desc()))]


def category_at(conn: sa.Connection, code: str, version: int | None) -> dict[str, Any]:
    """Category *code* as it was at *version* (the current one when None)."""
    if version is not None:
        found = conn.scalar(sa.select(case_category_versions.c.definition).where(
            case_category_versions.c.code == code, case_category_versions.c.version == version))
        if found is not None:
            return found
    return get_category(conn, code)


def unit_for(conn: sa.Connection, category: dict[str, Any], lon: float, lat: float
             ) -> tuple[str, str]:
    """The unit a case of *category* at (lon, lat) goes to, and the rule that decided it.

    The category's location rules in order (inside a water-source protection zone; inside a
    community: its street office), then its default unit.
    """
    point = sa.func.ST_SetSRID(sa.func.ST_MakePoint(lon, lat), STORAGE_SRID)
    looked_up: list = []

    def community():  # looked up once, and only when a rule asks
        if not looked_up:
            looked_up.append(community_at(conn, point))
        return looked_up[0]

    for rule in category.get("unit_rules", ()):
        if rule["within"] == "water_source_areas":
            zones = LAYER_TABLES["water_source_areas"]
            zone = conn.scalar(sa.select(zones.c.name).where(
                sa.func.ST_Intersects(zones.c.geom, point)).order_by(zones.c.zone_level).limit(1))
            if zone:
                return rule["unit"], f"位于饮用水水源保护区 {zone}"
        elif rule["within"] == "communities":
            found = community()
            if found:
                unit = f"{found.street}办事处" if rule["unit"] == "@street" else rule["unit"]
                return unit, f"位于{found.name}（{found.street}）"
    unit = category["default_unit"]
    if unit != "@street":
        return unit, f"按类别 {category['name']}"
    found = community()
    if found:
        return f"{found.street}办事处", f"位于{found.name}（{found.street}）"
    return FALLBACK_DEPARTMENT, "不在任何社区范围内"


def known_units(conn: sa.Connection) -> list[str]:
    """Every unit a case may be sent to: the categories' units, the street offices of the
    communities, the departments of handling users, and the fallback."""
    from layers.storage.models import users

    units = {FALLBACK_DEPARTMENT}
    for row in conn.execute(sa.select(case_categories.c.data)):
        units.add(row.data["default_unit"])
        units.update(rule["unit"] for rule in row.data.get("unit_rules", ()))
    communities = LAYER_TABLES["communities"]
    units.update(f"{street}办事处" for street in conn.scalars(
        sa.select(communities.c.street).distinct()) if street)
    units.update(d for d in conn.scalars(sa.select(users.c.department).where(
        users.c.duties.contains(["handler"]))) if d)
    units.discard("@street")
    return sorted(units)


def community_at(conn: sa.Connection, point) -> Any:
    """The community (``name``, ``street``) holding *point* (a PostGIS point), or None."""
    communities = LAYER_TABLES["communities"]
    return conn.execute(sa.select(communities.c.street, communities.c.name)
                        .where(sa.func.ST_Intersects(communities.c.geom, point)).limit(1)).first()
