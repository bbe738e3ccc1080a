"""Colours the page and the dashboard share beyond the catalogue's project statuses.

Project statuses are coloured by :data:`layers.storage.catalogue.STATUS_COLORS`; problem reports
(markers on the map, bars on the dashboard) by their handling status here: open ones warm,
closed ones green or grey.
"""

from __future__ import annotations

REPORT_STATUS_COLORS = {
    "submitted": "#d32f2f",
    "assigned": "#f57c00",
    "in_progress": "#fbc02d",
    "resolved": "#388e3c",
    "rejected": "#616161",
    "duplicate": "#9e9e9e",
}
#: Bars of a single series on the dashboard (reports by category, by department).
PLAIN_BAR_COLOR = "#5c6bc0"
