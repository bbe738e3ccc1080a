"""The readiness page's content: :func:`layers.readiness.readiness.readiness_body` shaped for
the template ``api/templates/readiness.html``: values, thresholds, gaps and projections in
words of the page's language, and each item's trend as a small line (SVG points)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from layers import clock
from layers.i18n import check_language, translator
from layers.readiness.readiness import STATUS_WORDS
from layers.storage.catalogue import STATUSES

#: Units as the page shows them.
UNIT_WORDS = {"zh": {"m²/person": "m²/人", "%": "%", "件": "件", "分": "分"},
              "en": {"m²/person": "m²/person", "%": "%", "件": "cases", "分": "points"}}
#: The trend line's box (px).
SPARK_WIDTH, SPARK_HEIGHT = 120, 28


def readiness_view(body: dict[str, Any], lang: str) -> dict[str, Any]:
    check_language(lang)
    _ = translator(lang).gettext
    items = [{**item, "value_text": value_text(item["value"], item["unit"], lang),
              "unit_text": UNIT_WORDS[lang].get(item["unit"], item["unit"]),
              "project_rows": project_rows(item.get("projects"), lang),
              "threshold_text": threshold_text(item, lang),
              "gap_text": gap_text(item, lang),
              "projection_text": projection_text(item, lang),
              "spark": sparkline(item["trend"]),
              "trend_text": "；".join(
                  f"{p['date']}: {value_text(p['value'], item['unit'], lang)}"
                  for p in item["trend"][-6:])}
             for item in body["items"]]
    return {**body, "items": items, "page_title": _("Readiness · {title}").format(
        title=body["title"]["label"])}


def community_view(found: dict[str, Any], items: list[dict[str, Any]], lang: str
                   ) -> dict[str, Any]:
    """The per-community table: the title's green items as columns, each community's value
    in words with its status (:func:`layers.readiness.communities.community_readiness`)."""
    _ = translator(lang).gettext
    by_key = {item["key"]: item for item in items}
    columns = [{"key": key, "name": by_key[key]["name"], "unit": by_key[key]["unit"]}
               for key in found["items"] if key in by_key]
    rows = [{"fid": row["fid"], "name": row["name"], "status": row["status"],
             "status_words": _(STATUS_WORDS[row["status"]]),
             "cells": [{"status": row["items"][c["key"]]["status"],
                        "status_words": _(STATUS_WORDS[row["items"][c["key"]]["status"]]),
                        "value_text": value_text(row["items"][c["key"]]["value"], c["unit"],
                                                 lang)} for c in columns]}
            for row in found["communities"]]
    return {"columns": columns, "rows": rows, "note": found["note"]}


def project_rows(found: list[dict[str, Any]] | None, lang: str) -> list[dict[str, Any]] | None:
    """The projects moving an item with their status in words (``None``: no rule)."""
    if found is None:
        return None
    labels = {c.code: c.zh if lang == "zh" else c.en for c in STATUSES}
    return [{**p, "status_text": labels.get(p["status"], p["status"])} for p in found]


def entry_history(found: list[dict[str, Any]], items: list[dict[str, Any]], lang: str
                  ) -> dict[str, list[dict[str, Any]]]:
    """Every entry (newest first, as :func:`layers.readiness.entries.list_entries` gives
    them) by item key, each with its value in words of the item's unit."""
    units = {item["key"]: item["unit"] for item in items}
    history: dict[str, list[dict[str, Any]]] = {key: [] for key in units}
    for entry in found:
        if entry["item"] in units:
            history[entry["item"]].append(
                {**entry, "value_text": value_text(entry["value"], units[entry["item"]], lang),
                 "entered_at_text": local_time(entry["entered_at"])})
    return history


def local_time(stamp: str) -> str:
    """An ISO timestamp as the county's clock reads it, to the minute."""
    moment = dt.datetime.fromisoformat(stamp)
    if moment.tzinfo is not None:
        moment = moment.astimezone(clock.zone())
    return moment.strftime("%Y-%m-%d %H:%M")


def value_text(value: Any, unit: str, lang: str) -> str:
    _ = translator(lang).gettext
    if value is None:
        return "—"
    if unit == "yes_no":
        return _("Yes") if value else _("No")
    unit_text = UNIT_WORDS[lang].get(unit, unit)
    return f"{value:,.2f} {unit_text}"


def threshold_text(item: dict[str, Any], lang: str) -> str:
    _ = translator(lang).gettext
    threshold = item["threshold"]
    if threshold["value"] is None:
        return _("Threshold to be verified")
    if item["unit"] == "yes_no":
        return _("Yes")
    return f"{threshold['comparison']} {value_text(threshold['value'], item['unit'], lang)}"


def gap_text(item: dict[str, Any], lang: str) -> str:
    _ = translator(lang).gettext
    gap = item["gap"]
    if not gap:
        return ""
    if "needs" in gap:
        return _("needs: yes")
    amount = value_text(gap["amount"], gap["unit"], lang)
    if gap["direction"] == "more":
        return (_("needs more than {amount} more") if gap["strict"]
                else _("needs {amount} more")).format(amount=amount)
    return (_("needs more than {amount} less") if gap["strict"]
            else _("needs {amount} less")).format(amount=amount)


def projection_text(item: dict[str, Any], lang: str) -> str:
    _ = translator(lang).gettext
    found = item["projection"]
    if found is None:
        return _("Two snapshots are needed for a projection") if item["unit"] != "yes_no" else ""
    if item["threshold"]["value"] is None:
        return _("At the current pace: {rate} per 30 days; no threshold to reach").format(
            rate=f"{found['slope_per_30_days']:+,.2f}")
    parts = []
    if found["reaches_on"]:
        parts.append(_("reaches the threshold on {date}").format(date=found["reaches_on"]))
    else:
        parts.append(_("does not reach the threshold at the current pace"))
    if found["target_passed"]:
        parts.append(_("target date {date} has passed").format(date=found["target_date"]))
    elif found["by_target"]:
        parts.append(_("in time for {date}").format(date=found["target_date"]))
    else:
        parts.append(_("not by {date}").format(date=found["target_date"]))
    return _("At the current pace: ") + _(", ").join(parts)


def sparkline(trend: list[dict[str, Any]]) -> str:
    """SVG polyline points of the trend's values (empty with fewer than two)."""
    values = [(i, p["value"]) for i, p in enumerate(trend) if p["value"] is not None]
    if len(values) < 2:
        return ""
    low = min(v for _, v in values)
    high = max(v for _, v in values)
    span = (high - low) or 1.0
    last = max(len(trend) - 1, 1)
    return " ".join(f"{2 + i * (SPARK_WIDTH - 4) / last:.1f},"
                    f"{SPARK_HEIGHT - 2 - (v - low) / span * (SPARK_HEIGHT - 4):.1f}"
                    for i, v in values)
