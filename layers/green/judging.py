"""Green-space indicators judged for a title, as the API and the report present them.

Each indicator of the built-up area and of each community, against the title's thresholds
(:mod:`geo.assess`): the value with its numerator and denominator, the threshold with its
standard and whether its text was verified, pass/fail, veto and the gap to pass, in words
of the asked language (the catalogues of :mod:`layers.i18n`); what-if answers before and
after; the residential land no park serves as GeoJSON.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
from typing import Any

import numpy as np
import shapely

from geo.assess import Assessment, TitleAssessment, assess
from geo.errors import GeoInputError
from geo.green_model import GreenReport, Indicator
from geo.scenario import ScenarioResult
from geo.service_gaps import unserved_residential
from geo.thresholds import load_thresholds
from layers.green.state import GreenState
from layers.i18n import N_, translator

#: The title the API judges when none is asked for: the mandatory national code.
DEFAULT_TITLE = "gb55014_2021"
#: The title the county works toward, which the green page opens on (``LIANCHUANG_TITLE``,
#: a title key of thresholds.json; 国家园林县城 by default).
COUNTY_TITLE = os.environ.get("LIANCHUANG_TITLE") or "national_garden"
if COUNTY_TITLE not in load_thresholds()["titles"]:
    raise GeoInputError(f"LIANCHUANG_TITLE={COUNTY_TITLE!r} is not a title of thresholds.json; "
                        "use one of: " + ", ".join(load_thresholds()["titles"]))
#: Decimal places of output coordinates: 1e-7 degrees is about 1 cm.
COORDINATE_DECIMALS = 7
#: Indicator key -> name (msgid; the catalogue has the Chinese, :mod:`geo.green`'s own).
INDICATOR_NAMES: dict[str, str] = {
    "green_coverage_rate": N_("Green coverage rate"),
    "green_space_ratio": N_("Green space ratio"),
    "park_area_per_capita": N_("Park area per capita"),
    "comprehensive_park_area_per_capita": N_("Comprehensive park area per capita"),
    "community_park_area_per_capita": N_("Community park area per capita"),
    "park_service_coverage": N_("Park service-radius coverage"),
    "park_service_coverage_walking": N_("Park service coverage (walking distance)"),
    "road_greening_rate": N_("Road greening rate (approximation)"),
    "river_greening_rate": N_("River greening rate (approximation)"),
}
#: What a green-coverage data warning names as likely missing (DataWarning.missing keys,
#: geo.green.MISSING_VEGETATION), in the page's language.
MISSING_WORDS: dict[str, str] = {
    "street_tree_canopy": N_("no street-tree canopy: road_segments and streets have no "
                             "canopy_w"),
    "attached_green": N_("no attached green: green_spaces has no XG feature"),
    "water_side_planting": N_("no water-side planting: watercourses has no bank_w"),
    "other_vegetation": N_("vegetation on other land (trees over paving, roofs) is in no "
                           "layer, while green land counts whole in the green space ratio"),
}
#: What is said of a title's veto items (``TitleAssessment.veto_state``): the page scripts and
#: the assessors' report read the same msgids, never "no veto failed" while one is unjudged.
VETO_WORDS: dict[str, str] = {
    "failed": N_("A veto item fails"),
    "unjudged": N_("Not every veto item can be judged yet"),
    "passed": N_("Every veto item is judged and passes"),
    "none": N_("No veto item among these indicators"),
}
#: What an indicator's numerator is, for the gap message ("needs … more").
GAP_WHAT: dict[str, str] = {
    "green_coverage_rate": N_("green-covered area"),
    "green_space_ratio": N_("green space area"),
    "park_area_per_capita": N_("park green space"),
    "comprehensive_park_area_per_capita": N_("comprehensive park (G11) area"),
    "community_park_area_per_capita": N_("community park (G12) area"),
    "park_service_coverage": N_("residential land within a park's service radius"),
    "park_service_coverage_walking": N_("residential land within walking distance of a park"),
    "road_greening_rate": N_("length of greened streets"),
    "river_greening_rate": N_("length of greened river banks"),
}
def indicator_name(key: str, lang: str, default: str) -> str:
    """The indicator *key*'s name in *lang*; *default* for an indicator without one."""
    return translator(lang).gettext(INDICATOR_NAMES[key]) if key in INDICATOR_NAMES else default


def assessed_body(state: GreenState, title: str, lang: str) -> dict[str, Any]:
    """The body of ``GET /api/metrics/green``."""
    table = load_thresholds()
    report = state.report
    whole = assess(report, title, table=table)
    return {
        **_about(state, title, lang, table),
        "vetoed": whole.vetoed,
        "veto_state": whole.veto_state,
        "built_up": {"area_m2": report.built_up_area_m2,
                     "indicators": [_indicator_row(indicator, whole, lang)
                                    for indicator in report.indicators.values()]},
        "communities": [
            {"fid": fid, "name": name, **_community_judged(report, fid, title, table, lang)}
            for fid, name in report.communities.items()],
    }


def _about(state: GreenState, title: str, lang: str, table: dict[str, Any]) -> dict[str, Any]:
    titles = table["titles"]
    rules = table["service_radius_rules"]
    return {
        "title": {"key": title, "label": titles[title][lang], **titles[title]},
        "titles": [{"key": key, "label": value[lang]} for key, value in titles.items()],
        "thresholds_version": table["version"],
        "thresholds_updated": table.get("updated"),
        "data_date": state.data_date.isoformat() if state.data_date else None,
        "epsg": state.report.epsg,
        "walking": state.walking,
        "service_radius_rules": {"rules": rules["rules"], "verified": rules["verified"],
                                 "standard": rules["standard"]},
    }


def _indicator_row(indicator: Indicator, judged: TitleAssessment,
                   lang: str) -> dict[str, Any]:
    item = _item(judged, indicator.key)
    return {
        "key": indicator.key,
        "title": indicator_name(indicator.key, lang, indicator.title_zh),
        "title_zh": indicator.title_zh,
        "value": indicator.value,
        "numerator": indicator.numerator,
        "denominator": indicator.denominator,
        "unit": indicator.unit,
        "numerator_unit": indicator.numerator_unit,
        "denominator_unit": indicator.denominator_unit,
        "method": indicator.method,
        "approximation": indicator.approximation,
        "notes": list(indicator.notes),
        "warnings": warnings_body(indicator, lang),
        "threshold": None if item is None else {
            "value": item.threshold, "comparison": item.comparison, "standard": item.standard,
            "clause": item.clause, "verified": item.verified, "source": item.source},
        **_verdict(item, indicator.key, lang),
    }


def warnings_body(indicator: Indicator, lang: str, fid: str | None = None
                  ) -> list[dict[str, Any]]:
    """The indicator's data warnings in *lang*: all of them for the built-up area, or
    (``fid`` given) those naming that community.

    Each is ``{"code", "zones", "missing", "message"}``; ``zones`` lists ``""`` for the
    built-up area and community keys, ``missing`` the likely missing layers' keys.
    """
    _ = translator(lang).gettext
    comma = "、" if lang == "zh" else ", "
    found = []
    for warning in indicator.warnings:
        if fid is not None and fid not in warning.zones:
            continue
        missing = (("；" if lang == "zh" else "; ").join(
            _(MISSING_WORDS.get(key, key)) for key in warning.missing))
        if fid is not None:
            where = _("this community")
        else:
            places = [_("the built-up area")] if "" in warning.zones else []
            communities = [zone for zone in warning.zones if zone]
            if communities:
                places.append(_("{count} of {total} communities").format(
                    count=len(communities), total=len(indicator.communities)))
            where = comma.join(places)
        found.append({
            "code": warning.code, "zones": list(warning.zones),
            "missing": list(warning.missing),
            "message": _("Green coverage is below the green space ratio in {where}; "
                         "likely missing: {missing}").format(where=where, missing=missing)})
    return found


def _verdict(item: Assessment | None, key: str, lang: str) -> dict[str, Any]:
    """passed, veto, gap and message of one judged indicator (``item`` None: no row)."""
    if item is None:
        return {"assessed": False, "passed": None, "veto": False, "gap": None,
                "message": translator(lang).gettext("not assessed for this title")}
    return {"assessed": True, "passed": item.passed, "veto": item.veto,
            "gap": dataclasses.asdict(item.gap) if item.gap else None,
            "message": gap_message(item, key, lang)}


def gap_message(item: Assessment, key: str, lang: str) -> str:
    """What the indicator needs to pass, in *lang* (English: :mod:`geo.assess`'s words)."""
    _ = translator(lang).gettext
    if item.passed:
        return _("passes")
    if item.threshold is None:
        return _("no threshold known for this title yet")
    if item.gap is None:
        return item.message if lang == "en" else _("cannot be judged: no data")
    if lang == "en":
        return item.message
    template = (_("needs more than {more} {unit} more {what}") if item.comparison == ">"
                else _("needs {more} {unit} more {what}"))
    what = _(GAP_WHAT[key]) if key in GAP_WHAT else key
    text = template.format(what=what, more=f"{math.ceil(item.gap.more):,}",
                           unit=item.gap.more_unit)
    if item.gap.max_population is not None:
        text += _(", or a population of at most {people}").format(
            people=f"{item.gap.max_population:,}")
    return text


def _item(judged: TitleAssessment, key: str) -> Assessment | None:
    return next((item for item in judged.items if item.indicator == key), None)


def _community_judged(report: GreenReport, fid: str, title: str, table: dict[str, Any],
                      lang: str) -> dict[str, Any]:
    """A community's measures judged against the title, as the whole area's are."""
    measures = _community_indicators(report, fid)
    judged = assess(measures, title, table=table)
    return {"vetoed": judged.vetoed, "veto_state": judged.veto_state, "indicators": {
        key: {"value": m.value, "numerator": m.numerator, "denominator": m.denominator,
              "warnings": warnings_body(report.indicators[key], lang, fid),
              **_verdict(_item(judged, key), key, lang)}
        for key, m in measures.items()}}


def _community_indicators(report: GreenReport, fid: str) -> dict[str, Indicator]:
    """Each indicator with the community's measure in place of the whole area's."""
    return {key: dataclasses.replace(indicator, value=m.value, numerator=m.numerator,
                                     denominator=m.denominator, communities={})
            for key, indicator in report.indicators.items()
            if (m := indicator.communities.get(fid)) is not None}


def scenario_answer(state: GreenState, result: ScenarioResult, title: str,
                     lang: str) -> dict[str, Any]:
    """The body of ``POST /api/metrics/green/scenario``."""
    table = load_thresholds()
    before, after = assess(result.before, title, table=table), assess(result.after, title,
                                                                        table=table)
    rows = []
    for key, indicator in result.after.indicators.items():
        old = result.before.indicators.get(key)
        rows.append({
            "key": key,
            "title": indicator_name(key, lang, indicator.title_zh),
            "unit": indicator.unit,
            "threshold": _threshold_of(after, key),
            "before": _side(old, before, lang) if old else None,
            "after": _side(indicator, after, lang),
            "delta": dataclasses.asdict(result.deltas[key]) if key in result.deltas else None,
        })
    return {**_about(state, title, lang, table),
            "vetoed": {"before": before.vetoed, "after": after.vetoed},
            "veto_state": {"before": before.veto_state, "after": after.veto_state},
            "indicators": rows,
            "communities": [
                {"fid": fid, "name": name, "indicators": {
                    key: {"before": _measure(result.before, key, fid),
                          "after": _measure(result.after, key, fid)}
                    for key in result.after.indicators}}
                for fid, name in result.after.communities.items()]}


def _threshold_of(judged: TitleAssessment, key: str) -> dict[str, Any] | None:
    item = _item(judged, key)
    return None if item is None else {"value": item.threshold, "comparison": item.comparison,
                                      "verified": item.verified, "veto": item.veto}


def _side(indicator: Indicator, judged: TitleAssessment,
          lang: str) -> dict[str, Any]:
    return {"value": indicator.value, "numerator": indicator.numerator,
            "denominator": indicator.denominator,
            **_verdict(_item(judged, indicator.key), indicator.key, lang)}


def _measure(report: GreenReport, key: str, fid: str) -> float | None:
    indicator = report.indicators.get(key)
    measure = indicator.communities.get(fid) if indicator else None
    return measure.value if measure else None


def unserved_collection(state: GreenState, walking: bool) -> dict[str, Any]:
    """The body of ``GET /api/metrics/green/unserved``."""
    method = "walking" if walking else "buffer"
    gaps = unserved_residential(state.layers, method=method)
    indicator = state.report.indicators["park_service_coverage"
                                        + ("_walking" if walking else "")]
    features = [{
        "type": "Feature",
        "id": row.community or "outside",
        "geometry": _geojson(row.geometry),
        "properties": {"community": row.community, "name": row.name,
                       "residential_m2": row.residential_m2, "unserved_m2": row.unserved_m2},
    } for row in gaps.itertuples()]
    return {"type": "FeatureCollection", "method": method,
            "residential_m2": indicator.denominator,
            "unserved_m2": float(gaps["unserved_m2"].sum()),
            "coverage": indicator.value,
            "data_date": state.data_date.isoformat() if state.data_date else None,
            "features": features}


def _geojson(geometry: shapely.Geometry) -> dict[str, Any]:
    rounded = shapely.transform(geometry, lambda xy: np.round(xy, COORDINATE_DECIMALS))
    return json.loads(shapely.to_geojson(rounded))
