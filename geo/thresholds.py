"""The thresholds file: read once, checked against its schema, in one place.

``thresholds.json`` holds, per (indicator, title), the threshold with its standard, year,
clause and whether its text was verified, and the park service-radius rules; a county
updates it when a standard is revised.  ``thresholds.schema.json`` beside it says what a
valid file is, so a mistyped edit is reported by name instead of failing later.  The table
is read once per file and shared: treat it as read-only.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from geo.checked_json import read_checked

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
    table = read_checked(path, SCHEMA_FILE, "thresholds")
    table["thresholds"] = [Threshold(**row) for row in table["thresholds"]]
    return table
