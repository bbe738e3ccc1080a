"""The inspectors' route page (``/inspection``): a folium map that ``inspection.js`` drives.

folium writes the Leaflet map and its basemap; :class:`InspectionApp` adds the page script
and its stylesheet and calls ``LianchuangInspection.start`` with the map and the
configuration below. The script previews the sites a filter selects (through
``/api/routes/inspection/stops``), lets the inspector click sites in or out and pick the
depot, plans with ``POST /api/routes/inspection``, draws the route with numbered stops and
offers the GPX, KML and printable list. Every asset is served from ``webmap/static``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from branca.element import MacroElement
from folium.elements import JSCSSMixin
from folium.template import Template

from layers.inspection.route_request import MAX_INSPECTORS, MAX_STOPS
from layers.storage.catalogue import CAMPAIGNS, OVERDUE_COLOR, STATUS_COLORS, STATUSES
from webmap import assets
from webmap.basemaps import Basemap
from webmap.inspection_i18n import LANGUAGES, UI
from webmap.shell import map_shell

APP_JS = (("inspection_js", "inspection.js"),)
APP_CSS = (("inspection_css", "inspection.css"),)
#: One colour per inspector's line and stop numbers (the KML uses the same five).
ROUTE_COLORS = ("#1e88e5", "#e53935", "#43a047", "#fb8c00", "#8e24aa")


class InspectionApp(JSCSSMixin, MacroElement):
    """Starts ``inspection.js`` on the map it is added to, with *config*."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            LianchuangInspection.start({{ this._parent.get_name() }}, {{ this.config|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, config: dict[str, Any], js: list[tuple[str, str]],
                 css: list[tuple[str, str]]):
        super().__init__()
        self._name = "InspectionApp"
        self.config = config
        self.default_js = js
        self.default_css = css


def render_inspection_page(lang: str = "zh", basemap: Basemap = Basemap("none"), *,
                           api_root: str = "/api", static_root: str = "/static",
                           home: str = "/", today: dt.date | None = None) -> str:
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
    """
    if lang not in LANGUAGES:
        raise ValueError(f"lang must be one of {LANGUAGES}; got {lang!r}")
    figure, fmap = map_shell(UI[lang]["title"], basemap, lang, static_root)
    InspectionApp(inspection_config(lang, api_root, home=home, today=today),
                  js=assets.urls(APP_JS, static_root),
                  css=assets.urls(APP_CSS, static_root)).add_to(fmap)
    return figure.render()


def inspection_config(lang: str, api_root: str, *, home: str = "/",
                      today: dt.date | None = None) -> dict[str, Any]:
    """Settings and labels the page script needs."""
    return {
        "lang": lang,
        "api": api_root.rstrip("/"),
        "home": home,
        "today": today.isoformat() if today else None,
        "strings": UI[lang],
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
