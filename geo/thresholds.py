"""The thresholds file: read once, checked against its schema, in one place.

``thresholds.json`` holds, per (indicator, title), the threshold with its standard, year,
clause and whether its text was verified, and the park service-radius rules; a county
updates it when a standard is revised.  ``thresholds.schema.json`` beside it says what a
valid file is, so a mistyped edit is reported by name instead of failing later.  The table
is read once per file and shared: treat it as read-only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import jsonschema

from geo.errors import GeoInputError

#: The versioned thresholds and service-radius rules.
THRESHOLDS_FILE = Path(__file__).with_name("thresholds.json")
#: What a valid thresholds file is (JSON Schema).
SCHEMA_FILE = Path(__file__).with_name("thresholds.schema.json")


@dataclass(frozen=True)
class Threshold:
    """One row of ``thresholds.json``."""

    indicator: str
    title: str
    value: float | None
    comparison: str
    unit: str
    standard: str
    year: int | None
    clause: str | None
    veto: bool
    verified: bool
    source: str


def load_thresholds(path: Path = THRESHOLDS_FILE) -> dict[str, Any]:
    """The thresholds table of *path*, read and checked once; a file that is not valid JSON
    or breaks the schema raises :class:`GeoInputError` naming the file and the place."""
    return _load(Path(path).resolve())


@lru_cache(maxsize=8)
def _load(path: Path) -> dict[str, Any]:
    try:
        table = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise GeoInputError(f"cannot read thresholds from {path}: {exc}") from None
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    problem = jsonschema.exceptions.best_match(
        jsonschema.Draft202012Validator(schema).iter_errors(table))
    if problem is not None:
        where = "/".join(map(str, problem.absolute_path)) or "(top level)"
        raise GeoInputError(f"thresholds file {path} is not valid at {where}: "
                            f"{problem.message}; see {SCHEMA_FILE.name}")
    table["thresholds"] = [Threshold(**row) for row in table["thresholds"]]
    return table
