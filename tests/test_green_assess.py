"""Judging indicators against thresholds (geo.assess) and the thresholds file itself."""

from __future__ import annotations

import json

import pytest

from geo.assess import assess, judge
from geo.errors import GeoInputError
from geo.green_model import GreenReport, Indicator
from geo.thresholds import THRESHOLDS_FILE, Threshold, load_thresholds


def indicator(key: str, numerator: float, denominator: float, unit: str = "%") -> Indicator:
    scale = 100.0 if unit == "%" else 1.0
    return Indicator(key, key, scale * numerator / denominator, numerator, denominator, unit,
                     "m²", "person" if unit == "m²/person" else "m²")


def threshold(value, comparison=">=", veto=False, key="green_space_ratio") -> Threshold:
    return Threshold(key, "t", value, comparison, "%", "std", 2021, "1.1", veto, True, "src")


def test_ratio_below_threshold_fails_with_the_area_needed():
    ratio = indicator("green_space_ratio", 308_800, 1_000_000)  # 30.88 %

    verdict = judge(ratio, threshold(35.0))

    assert verdict.passed is False
    assert verdict.gap.more == pytest.approx(41_200)
    assert verdict.message == "needs 41,200 m² more green space"


def test_value_at_a_greater_or_equal_threshold_passes():
    assert judge(indicator("green_space_ratio", 350_000, 1_000_000), threshold(35.0)).passed


def test_value_at_a_strict_threshold_fails():
    verdict = judge(indicator("green_space_ratio", 350_000, 1_000_000), threshold(35.0, ">"))

    assert verdict.passed is False
    assert verdict.message.startswith("needs more than 0 m²")


def test_per_capita_gap_offers_area_or_population():
    per_capita = indicator("park_area_per_capita", 80_000, 10_000, unit="m²/person")  # 8.0

    verdict = judge(per_capita, Threshold("park_area_per_capita", "t", 9.0, ">=", "m²/person",
                                          "std", None, None, True, False, "src"))

    assert verdict.gap.more == pytest.approx(10_000)
    assert verdict.gap.max_population == 8_888
    assert verdict.message == ("needs 10,000 m² more park green space, "
                               "or a population of at most 8,888")


def test_unknown_threshold_leaves_the_indicator_unjudged():
    verdict = judge(indicator("green_space_ratio", 1, 10), threshold(None))

    assert verdict.passed is None
    assert "no threshold" in verdict.message


def test_failed_veto_item_vetoes_the_title():
    found = {"green_space_ratio": indicator("green_space_ratio", 100_000, 1_000_000),
             "green_coverage_rate": indicator("green_coverage_rate", 500_000, 1_000_000)}

    result = assess(found, "national_garden_old")

    assert result.vetoed
    by_key = {item.indicator: item for item in result.items}
    assert by_key["green_space_ratio"].veto and not by_key["green_space_ratio"].passed
    assert by_key["green_coverage_rate"].passed


def test_walking_service_coverage_is_judged_by_the_service_coverage_threshold():
    found = {"park_service_coverage_walking":
             indicator("park_service_coverage_walking", 70, 100)}

    result = assess(found, "gb55014_2021")

    assert result.items[0].threshold == 80.0
    assert result.items[0].comparison == ">"


def test_unknown_title_is_refused_listing_the_known_ones():
    with pytest.raises(GeoInputError, match="national_garden"):
        assess({}, "garden_city")


def test_thresholds_file_has_every_field_and_one_row_per_indicator_and_title():
    table = load_thresholds()

    pairs = [(row.indicator, row.title) for row in table["thresholds"]]
    assert len(pairs) == len(set(pairs))
    assert {row.title for row in table["thresholds"]} <= set(table["titles"])
    assert {row.comparison for row in table["thresholds"]} <= {">=", ">"}
    assert all(row.source for row in table["thresholds"])


def test_verified_thresholds_cite_a_clause():
    for row in load_thresholds()["thresholds"]:
        if row.verified:
            assert row.clause and row.year and row.value is not None


def test_malformed_thresholds_file_is_reported_by_path(tmp_path):
    broken = tmp_path / "thresholds.json"
    data = json.loads(THRESHOLDS_FILE.read_text(encoding="utf-8"))
    del data["thresholds"][0]["verified"]
    broken.write_text(json.dumps(data), encoding="utf-8")

    with pytest.raises(GeoInputError, match="thresholds.json"):
        load_thresholds(broken)


def test_a_veto_item_with_no_known_threshold_does_not_veto_the_title():
    table = load_thresholds()
    table = {**table, "thresholds": [
        Threshold("green_space_ratio", "national_garden_old", None, ">=", "%", "std", None,
                  None, True, False, "src")]}

    result = assess({"green_space_ratio": indicator("green_space_ratio", 1, 1_000_000)},
                    "national_garden_old", table=table)

    assert result.items[0].veto and result.items[0].passed is None
    assert not result.vetoed


def test_a_value_that_shows_as_the_threshold_passes_it():
    ratio = indicator("green_space_ratio", 350_000, 1_000_000)
    ratio = Indicator(ratio.key, ratio.title_zh, 34.99999999999999, ratio.numerator,
                      ratio.denominator, ratio.unit, ratio.numerator_unit,
                      ratio.denominator_unit)

    verdict = judge(ratio, threshold(35.0))

    assert verdict.passed is True and verdict.gap is None


def test_a_value_that_shows_below_the_threshold_needs_a_real_amount():
    verdict = judge(indicator("green_space_ratio", 349_940, 1_000_000), threshold(35.0))  # 34.994

    assert verdict.passed is False
    assert verdict.message == "needs 60 m² more green space"


@pytest.mark.parametrize("edit, where", [
    (lambda d: d["thresholds"][0].update(comparison="=>"), "thresholds/0/comparison"),
    (lambda d: d["thresholds"][1].update(value="35%"), "thresholds/1/value"),
    (lambda d: d["service_radius_rules"]["rules"][0].pop("radius_m"),
     "service_radius_rules/rules/0"),
])
def test_a_thresholds_file_that_breaks_the_schema_names_the_place(tmp_path, edit, where):
    data = json.loads(THRESHOLDS_FILE.read_text(encoding="utf-8"))
    edit(data)
    broken = tmp_path / "thresholds.json"
    broken.write_text(json.dumps(data), encoding="utf-8")

    with pytest.raises(GeoInputError, match=f"not valid at {where}"):
        load_thresholds(broken)


def test_the_thresholds_file_is_read_once():
    assert load_thresholds() is load_thresholds()


def _veto_table(value_of: dict[str, float | None]) -> dict:
    table = load_thresholds()
    return {**table, "thresholds": [
        Threshold(key, "national_garden_old", value, ">=", "%", "std", None, None, True, False,
                  "src") for key, value in value_of.items()]}


@pytest.mark.parametrize("limits, state", [
    ({"green_space_ratio": 50.0, "green_coverage_rate": None}, "failed"),
    ({"green_space_ratio": 10.0, "green_coverage_rate": None}, "unjudged"),
    ({"green_space_ratio": 10.0, "green_coverage_rate": 10.0}, "passed"),
])
def test_the_veto_state_never_says_passed_while_a_veto_item_is_unjudged(limits, state):
    found = {"green_space_ratio": indicator("green_space_ratio", 300_000, 1_000_000),
             "green_coverage_rate": indicator("green_coverage_rate", 400_000, 1_000_000)}

    result = assess(found, "national_garden_old", table=_veto_table(limits))

    assert result.veto_state == state
    assert result.vetoed is (state == "failed")


# Found by mutation testing (docs/mutation.md): what an assessment carries besides pass/fail.

def test_an_assessment_carries_the_indicator_and_the_threshold_it_was_judged_by():
    ratio = Indicator("green_space_ratio", "建成区绿地率", 40.0, 400_000, 1_000_000, "%", "m²", "m²")
    row = Threshold("green_space_ratio", "t", 35.0, ">=", "%", "GB/T 50563-2010", 2010, "4.2",
                    True, True, "the standard's text")

    verdict = judge(ratio, row)

    assert (verdict.indicator, verdict.title_zh, verdict.value, verdict.unit) == (
        "green_space_ratio", "建成区绿地率", 40.0, "%")
    assert (verdict.threshold, verdict.comparison, verdict.veto, verdict.verified) == (
        35.0, ">=", True, True)
    assert (verdict.standard, verdict.clause, verdict.source) == (
        "GB/T 50563-2010", "4.2", "the standard's text")
    assert verdict.message == "passes"


def test_an_indicator_without_a_value_says_why_it_cannot_be_judged():
    no_value = Indicator("green_space_ratio", "g", None, 0, 0, "%", "m²", "m²",
                         notes=("no built-up area", "no parks"))
    no_notes = Indicator("green_space_ratio", "g", None, 0, 0, "%", "m²", "m²")

    assert judge(no_value, threshold(35.0)).message == (
        "cannot be judged: no built-up area; no parks")
    assert judge(no_notes, threshold(35.0)).message == "cannot be judged: no data"
    assert judge(no_notes, threshold(None)).message == "no threshold known for this title yet"


def test_the_area_gap_is_kept_to_the_millimetre_squared():
    ratio = indicator("green_space_ratio", 308_799.8766, 1_000_000)

    assert judge(ratio, threshold(35.0)).gap.more == 41_200.123


@pytest.mark.parametrize("comparison, at_most", [(">=", 10_000), (">", 9_999)])
def test_a_strict_per_capita_threshold_needs_one_person_fewer(comparison, at_most):
    per_capita = indicator("park_area_per_capita", 90_000, 12_000, unit="m²/person")  # 7.5

    verdict = judge(per_capita, Threshold("park_area_per_capita", "t", 9.0, comparison,
                                          "m²/person", "std", None, None, False, False, "src"))

    assert verdict.gap.max_population == at_most


def test_a_park_too_small_for_one_person_allows_a_population_of_none():
    per_capita = indicator("park_area_per_capita", 5, 12_000, unit="m²/person")

    verdict = judge(per_capita, Threshold("park_area_per_capita", "t", 9.0, ">=", "m²/person",
                                          "std", None, None, False, False, "src"))

    assert verdict.gap.max_population == 0


def test_an_indicator_the_messages_do_not_know_is_named_by_its_key():
    canopy = indicator("tree_canopy_rate", 300_000, 1_000_000)

    assert judge(canopy, threshold(35.0)).message == "needs 50,000 m² more tree_canopy_rate"


def test_the_title_assessment_names_the_title_and_the_thresholds_version():
    result = assess({}, "national_garden_old")

    assert result.title == "national_garden_old"
    assert result.title_zh == "国家园林县城（原标准）"
    assert result.thresholds_version == load_thresholds()["version"]
    assert result.to_dict() == {"title": "national_garden_old", "title_zh": result.title_zh,
                                "thresholds_version": result.thresholds_version,
                                "vetoed": False, "items": [], "veto_state": "none"}


def test_an_unknown_title_lists_every_known_title():
    known = ", ".join(load_thresholds()["titles"])

    with pytest.raises(GeoInputError, match=f"the thresholds file knows: {known}$"):
        assess({}, "garden_city")


def test_an_indicator_with_no_threshold_row_is_left_out_of_the_assessment():
    found = {"tree_canopy_rate": indicator("tree_canopy_rate", 1, 2),
             "green_space_ratio": indicator("green_space_ratio", 1, 2)}

    result = assess(found, "national_garden_old")

    assert [item.indicator for item in result.items] == ["green_space_ratio"]


def test_a_green_report_is_judged_by_its_indicators():
    found = {"green_space_ratio": indicator("green_space_ratio", 100_000, 1_000_000)}
    report = GreenReport(4545, 1_000_000.0, {}, found)

    assert assess(report, "national_garden_old").items == assess(found, "national_garden_old").items
