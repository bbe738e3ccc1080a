"""The inspectors' route page (``/inspection``): a folium map that ``inspection.js`` drives.

folium writes the Leaflet map and its basemap; :class:`webmap.elements.PageData` hands the
map and the configuration below to the page module ``static/js/inspection.js``. The
script previews the sites a filter selects (through
``/api/routes/inspection/stops``), lets the inspector click sites in or out and pick the
depot, plans with ``POST /api/routes/inspection``, draws the route with numbered stops and
offers the GPX, KML and printable list. Every asset is served from ``webmap/static``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from layers.i18n import N_, check_language, translator
from layers.inspection.route_request import MAX_INSPECTORS, MAX_STOPS
from layers.storage.catalogue import CAMPAIGNS, OVERDUE_COLOR, STATUS_COLORS, STATUSES
from webmap import assets
from webmap.basemaps import Basemap
from webmap.elements import PageData
from webmap.shell import map_shell
from webmap.templating import render_map_page

#: The page's title (msgid).
TITLE = N_("Lianchuang · inspection route")
APP_CSS = (("inspection_css", "inspection.css"),)
#: One colour per inspector's line and stop numbers (the KML uses the same five).
ROUTE_COLORS = ("#1e88e5", "#e53935", "#43a047", "#fb8c00", "#8e24aa")


def render_inspection_page(lang: str = "zh", basemap: Basemap = Basemap("none"), *,
                           api_root: str = "/api", static_root: str = "/static",
                           home: str = "/", today: dt.date | None = None,
                           script_nonce: str | None = None) -> str:
    """The whole HTML page for *lang* (``zh`` or ``en``).

    Parameters
    ----------
    lang
        ``zh`` or ``en``.
    basemap
        Tiles under the route (:func:`webmap.basemaps.basemap`); ``none`` draws the streets
        layer on a plain background.
    api_root, static_root, home
        URLs of the API, the ``webmap/static`` folder and the planners' map.
    today
        The date "overdue" is judged on; the server's date when not given.
    script_nonce
        The nonce of the page's Content-Security-Policy, put on its inline scripts.
    """
    check_language(lang)
    page_title = translator(lang).gettext(TITLE)
    figure, fmap = map_shell(page_title, basemap, lang, static_root)
    PageData(inspection_config(lang, api_root, home=home, today=today),
             css=assets.urls(APP_CSS, static_root)).add_to(fmap)
    return render_map_page(figure, lang=lang, title=page_title, static_root=static_root,
                           page_script=assets.module_url("inspection", static_root),
                           script_nonce=script_nonce)


def inspection_config(lang: str, api_root: str, *, home: str = "/",
                      today: dt.date | None = None) -> dict[str, Any]:
    """Settings and labels the page script needs."""
    return {
        "lang": lang,
        "api": api_root.rstrip("/"),
        "home": home,
        "today": today.isoformat() if today else None,
        "statuses": [{"code": s.code, "label": getattr(s, lang), "color": STATUS_COLORS[s.code]}
                     for s in STATUSES],
        "campaigns": [{"code": c.code, "label": getattr(c, lang)} for c in CAMPAIGNS],
        "overdueColor": OVERDUE_COLOR,
        "routeColors": list(ROUTE_COLORS),
        "maxStops": MAX_STOPS,
        "maxInspectors": MAX_INSPECTORS,
        "defaults": {"inspectors": 1, "serviceMin": 10, "dayStart": "08:30", "dayHours": 8,
                     "notInspectedDays": 30},
    }
