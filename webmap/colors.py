"""Colours the page and the dashboard share beyond the catalogue's project statuses.

Project statuses are coloured by :data:`layers.storage.catalogue.STATUS_COLORS`; problem reports
(markers on the map, bars on the dashboard) by their handling status here: open ones warm,
closed ones green or grey.
"""

from __future__ import annotations

REPORT_STATUS_COLORS = {
    "reported": "#d32f2f",
    "filed": "#e64a19",
    "dispatched": "#f57c00",
    "handled": "#fbc02d",
    "verified": "#7cb342",
    "suspended": "#8e24aa",
    "closed": "#388e3c",
    "refused": "#616161",
    "duplicate": "#9e9e9e",
}
#: Bars of a single series on the dashboard (reports by category, by department).
PLAIN_BAR_COLOR = "#5c6bc0"
