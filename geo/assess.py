"""Indicators against a title's thresholds: pass or fail, the gap to pass, and veto items.

Thresholds are data: ``thresholds.json``, read by :mod:`geo.thresholds`, one entry per
(indicator, title) with the standard, year, clause and whether its text was verified.  A
threshold whose value is not known yet (``null``) leaves the indicator unjudged
(``passed is None``) rather than guessing.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any, Mapping

from geo.errors import GeoInputError
from geo.green_model import GreenReport, Indicator
from geo.thresholds import Threshold, load_thresholds

#: Decimal places every value is shown with (page, report, workbook), and judged at.
DISPLAY_DECIMALS = 2
#: What the numerator of each indicator is, for the gap message.
_WHAT = {
    "green_coverage_rate": "vegetated area",
    "green_space_ratio": "green space",
    "park_area_per_capita": "park green space",
    "comprehensive_park_area_per_capita": "comprehensive park (G11) area",
    "community_park_area_per_capita": "community park (G12) area",
    "park_service_coverage": "residential land within a park's service radius",
    "park_service_coverage_walking": "residential land within a park's walking distance",
    "road_greening_rate": "greened road",
    "river_greening_rate": "greened river bank",
}


@dataclass(frozen=True)
class Gap:
    """How far an indicator is from passing: more numerator, or (per capita) fewer people."""

    more: float
    more_unit: str
    max_population: int | None = None


@dataclass(frozen=True)
class Assessment:
    """One indicator judged against one threshold."""

    indicator: str
    title_zh: str
    value: float | None
    unit: str
    threshold: float | None
    comparison: str
    passed: bool | None
    veto: bool
    verified: bool
    standard: str
    clause: str | None
    source: str
    gap: Gap | None
    message: str


@dataclass(frozen=True)
class TitleAssessment:
    """Every indicator judged for one title, and whether a failed veto item sinks it."""

    title: str
    title_zh: str
    thresholds_version: str
    vetoed: bool
    items: list[Assessment]

    @property
    def veto_state(self) -> str:
        """``failed`` (a veto item fails), ``unjudged`` (none fails, but one cannot be judged
        yet: no threshold or no value), ``passed`` (every veto item is judged and passes) or
        ``none`` (the title has no veto item among these indicators).  Never say that no veto
        failed while one is unjudged."""
        vetoes = [item for item in self.items if item.veto]
        if not vetoes:
            return "none"
        if any(item.passed is False for item in vetoes):
            return "failed"
        return "unjudged" if any(item.passed is None for item in vetoes) else "passed"

    def to_dict(self) -> dict[str, Any]:
        return {**dataclasses.asdict(self), "veto_state": self.veto_state}


def assess(indicators: GreenReport | Mapping[str, Indicator], title: str, *,
           table: dict[str, Any] | None = None) -> TitleAssessment:
    """Judge *indicators* against the thresholds of *title*.

    Parameters
    ----------
    indicators
        A :class:`geo.green_model.GreenReport` or a mapping of indicator key to
        :class:`geo.green_model.Indicator` (whole built-up area values are judged).
    title
        A title key of ``thresholds.json``, e.g. ``"national_garden"``, ``"gb55014_2021"``.
    table
        A table from :func:`load_thresholds` (default: the project's file).

    Returns
    -------
    TitleAssessment
        One :class:`Assessment` per indicator that has a threshold row for *title*.
    """
    table = table or load_thresholds()
    if title not in table["titles"]:
        raise GeoInputError(f"unknown title {title!r}; the thresholds file knows: "
                            + ", ".join(table["titles"]))
    found = indicators.indicators if isinstance(indicators, GreenReport) else indicators
    rows = {row.indicator: row for row in table["thresholds"] if row.title == title}
    items = []
    for key, indicator in found.items():  # one per indicator, a handful
        judged_as = table["indicators"].get(key, {}).get("assessed_as", key)
        if judged_as in rows:
            items.append(judge(indicator, rows[judged_as]))
    return TitleAssessment(title, table["titles"][title]["zh"], table["version"],
                           any(item.veto and item.passed is False for item in items), items)


def judge(indicator: Indicator, threshold: Threshold) -> Assessment:
    """Pass/fail of one *indicator* against one *threshold*, with the gap to pass."""
    value, limit = indicator.value, threshold.value
    if value is None or limit is None:
        passed, gap = None, None
        message = ("no threshold known for this title yet" if limit is None
                   else "cannot be judged: " + ("; ".join(indicator.notes) or "no data"))
    else:
        # Judged as shown: 34.99999999999999 % is shown, and passes, as 35.00 %.
        shown = round(value, DISPLAY_DECIMALS)
        passed = shown > limit if threshold.comparison == ">" else shown >= limit
        gap = None if passed else _gap(indicator, limit, threshold.comparison)
        message = "passes" if passed else _gap_message(indicator, gap, threshold.comparison)
    return Assessment(indicator.key, indicator.title_zh, value, indicator.unit, limit,
                      threshold.comparison, passed, threshold.veto, threshold.verified,
                      threshold.standard, threshold.clause, threshold.source, gap, message)


def _gap(indicator: Indicator, limit: float, comparison: str) -> Gap:
    scale = 100.0 if indicator.unit == "%" else 1.0
    needed = limit / scale * indicator.denominator
    # Three decimals: the float residue of projecting must not turn "80,000 m²" into
    # "80,001 m²" when the message rounds up.
    more = max(round(needed - indicator.numerator, 3), 0.0)
    if indicator.denominator_unit != "person":
        return Gap(more, indicator.numerator_unit)
    people = indicator.numerator / limit
    at_most = math.ceil(people) - 1 if comparison == ">" else math.floor(people)
    return Gap(more, indicator.numerator_unit, max(at_most, 0))


def _gap_message(indicator: Indicator, gap: Gap, comparison: str) -> str:
    what = _WHAT.get(indicator.key, indicator.key)
    strict = "more than " if comparison == ">" else ""
    text = f"needs {strict}{math.ceil(gap.more):,} {gap.more_unit} more {what}"
    if gap.max_population is not None:
        text += f", or a population of at most {gap.max_population:,}"
    return text
