"""The titles' checklists: ``checklists.json``, read once, checked against its schema.

One checklist per title of the campaign (the keys of ``CAMPAIGNS``).  Each item names the
clause it comes from and whether that text was read, veto or scored, its threshold (``None``
where no source gives one: never guessed), how it is measured and its phase, whose end is
its target date.  An item with ``threshold_from`` takes its threshold from
``geo/thresholds.json`` (that title's row for the same indicator), so a threshold has one
home.  A broken file raises :class:`GeoInputError` naming the place, at first use.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from geo.checked_json import read_checked
from geo.errors import GeoInputError, NotFound
from geo.thresholds import load_thresholds
from layers.storage.catalogue import CAMPAIGNS, LAYERS, PROJECT_CATEGORIES

CHECKLISTS_FILE = Path(__file__).with_name("checklists.json")
SCHEMA_FILE = Path(__file__).with_name("checklists.schema.json")
#: Computations on the layers an item may name ("green:<indicator>" for geo.green's).
LAYER_COMPUTATIONS = ("water_source_markers", "open_cases_in_level1")


@dataclass(frozen=True)
class Phase:
    key: str
    zh: str
    en: str
    start: dt.date
    end: dt.date
    document: str
    quote: str


@dataclass(frozen=True)
class Item:
    title: str
    key: str
    zh: str
    en: str
    veto: bool
    unit: str
    threshold: float | bool | None
    comparison: str
    threshold_verified: bool
    threshold_source: str
    clause: dict[str, Any]
    measure: dict[str, Any]
    phase: Phase
    #: Which ledger projects move the item (``categories``, ``layers``, ``within``), if any.
    moved_by: dict[str, Any] | None = None

    @property
    def kind(self) -> str:
        return self.measure["kind"]

    @property
    def yes_no(self) -> bool:
        return self.unit == "yes_no"


@dataclass(frozen=True)
class Checklist:
    key: str
    zh: str
    en: str
    phases: tuple[Phase, ...]
    items: tuple[Item, ...]
    veto_note: dict[str, str] | None

    def item(self, key: str) -> Item:
        for item in self.items:
            if item.key == key:
                return item
        raise NotFound(f"title {self.key} has no item {key!r}; its items: "
                       + ", ".join(i.key for i in self.items))

    def phase_on(self, day: dt.date) -> Phase:
        """The phase running on *day* (or the next to come; the last once all are over)."""
        for phase in self.phases:
            if day <= phase.end:
                return phase
        return self.phases[-1]


def checklists(path: Path = CHECKLISTS_FILE) -> dict[str, Checklist]:
    """Every title's checklist, read and checked once."""
    return _load(Path(path).resolve())


def checklist(title: str) -> Checklist:
    """The checklist of *title* (a campaign key); 404 naming the known ones otherwise."""
    found = checklists()
    if title not in found:
        raise NotFound(f"unknown title {title!r}; the titles are: {', '.join(found)}")
    return found[title]


@lru_cache(maxsize=4)
def _load(path: Path) -> dict[str, Checklist]:
    data = read_checked(path, SCHEMA_FILE, "checklists")
    known = {c.code for c in CAMPAIGNS}
    if set(data["titles"]) != known:
        raise GeoInputError(f"checklists file {path} must have one checklist per title: "
                            f"{', '.join(sorted(known))}")
    thresholds = load_thresholds()
    result = {}
    for key, title in data["titles"].items():
        where = f"checklists file {path}, title {key}"
        phases = tuple(Phase(p["key"], p["zh"], p["en"], dt.date.fromisoformat(p["start"]),
                             dt.date.fromisoformat(p["end"]), p["document"], p["quote"])
                       for p in title["phases"])
        by_key = {p.key: p for p in phases}
        items, seen = [], set()
        for raw in title["items"]:
            at = f"{where}, item {raw['key']}"
            if raw["key"] in seen:
                raise GeoInputError(f"{at}: the key is used twice")
            seen.add(raw["key"])
            if raw["phase"] not in by_key:
                raise GeoInputError(f"{at}: unknown phase {raw['phase']!r}; "
                                    f"the title's phases: {', '.join(by_key)}")
            if raw["clause"]["document"] not in data["documents"]:
                raise GeoInputError(f"{at}: unknown document {raw['clause']['document']!r}")
            _check_measure(raw, thresholds, at)
            items.append(Item(key, raw["key"], raw["zh"], raw["en"], raw["veto"], raw["unit"],
                              *_threshold(raw, thresholds, at), raw["clause"], raw["measure"],
                              by_key[raw["phase"]], _moved_by(raw.get("moved_by"), at)))
        # Veto items first, as every answer lists them.
        items.sort(key=lambda item: not item.veto)
        result[key] = Checklist(key, title["zh"], title["en"], phases, tuple(items),
                                title.get("veto_note"))
    return result


def _check_measure(raw: dict[str, Any], thresholds: dict[str, Any], at: str) -> None:
    measure = raw["measure"]
    if measure["kind"] == "layers":
        name = measure["computation"]
        if name.startswith("green:"):
            if name[6:] not in thresholds["indicators"]:
                raise GeoInputError(f"{at}: unknown green indicator {name[6:]!r}")
        elif name not in LAYER_COMPUTATIONS:
            raise GeoInputError(f"{at}: unknown computation {name!r}; known: green:<indicator>, "
                                + ", ".join(LAYER_COMPUTATIONS))
    if measure["kind"] == "entered" and (measure["value_type"] == "yes_no") != (
            raw["unit"] == "yes_no"):
        raise GeoInputError(f"{at}: a yes/no item has unit 'yes_no', and only it")


def _moved_by(rule: dict[str, Any] | None, at: str) -> dict[str, Any] | None:
    """*rule* checked: its categories are the ledger's, its layers the catalogue's."""
    if rule is None:
        return None
    categories = {c.code for c in PROJECT_CATEGORIES}
    layers = {spec.name for spec in LAYERS}
    for name in rule.get("categories", []):
        if name not in categories:
            raise GeoInputError(f"{at}: moved_by: unknown project category {name!r}; known: "
                                + ", ".join(sorted(categories)))
    for name in rule.get("layers", []):
        if name not in layers:
            raise GeoInputError(f"{at}: moved_by: unknown layer {name!r}; known: "
                                + ", ".join(sorted(layers)))
    return rule


def _threshold(raw: dict[str, Any], thresholds: dict[str, Any], at: str) -> tuple:
    """threshold, comparison, verified, source of an item (from thresholds.json if named)."""
    if "threshold_from" not in raw:
        if raw["unit"] == "yes_no" and raw["threshold"] not in (True, None):
            raise GeoInputError(f"{at}: a yes/no item's threshold is true or null")
        return (raw["threshold"], raw["comparison"], raw["threshold_verified"],
                raw["threshold_source"])
    indicator = raw["measure"].get("computation", "").removeprefix("green:")
    for row in thresholds["thresholds"]:
        if row.title == raw["threshold_from"] and row.indicator == indicator:
            source = f"geo/thresholds.json ({row.standard}"
            source += f" {row.clause}" if row.clause else ""
            return row.value, row.comparison, row.verified, f"{source}): {row.source}"
    raise GeoInputError(f"{at}: geo/thresholds.json has no row for {indicator!r} under "
                        f"title {raw['threshold_from']!r}")
