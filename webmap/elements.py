"""The folium element that hands a map page to its script module (``static/js/*.js``).

folium writes the Leaflet map, the overlay groups and the controls as global variables of
its own script.  :class:`PageData` writes, as JSON in a ``<script type="application/json"
id="lc-page">`` block, the names of those variables (the map, the overlay groups by layer
name, further overlays by role) and the page configuration; the page module, started after
folium's script (``type="module"`` scripts run once the page is parsed), looks the objects
up by name.  No inline script of ours, and no feature is ever written into the page.
"""

from __future__ import annotations

from typing import Any

from branca.element import MacroElement
from folium.elements import JSCSSMixin
from folium.map import Layer
from folium.template import Template


class PageData(JSCSSMixin, MacroElement):
    """The data block of the page script, on the map it is added to.

    Parameters
    ----------
    config
        JSON-ready settings for the script (e.g. :func:`webmap.page.page_config`).
    groups
        Overlay groups for the script to fill, by layer name.
    overlays
        Further overlay groups for the script, by role (``reports``).
    js, css
        folium ``(name, url)`` lists of classic scripts (vendored libraries) and stylesheets.
    """

    _template = Template(
        """
        {% macro html(this, kwargs) %}
        <script type="application/json" id="lc-page">{{ this.data()|tojson|safe }}</script>
        {% endmacro %}
        """
    )

    def __init__(self, config: dict[str, Any], *, groups: dict[str, Layer] | None = None,
                 overlays: dict[str, Layer] | None = None,
                 js: list[tuple[str, str]] | None = None,
                 css: list[tuple[str, str]] | None = None):
        super().__init__()
        self._name = "PageData"
        self.config = config
        self.groups = groups or {}
        self.overlays = overlays or {}
        self.default_js = js or []
        self.default_css = css or []

    def data(self) -> dict[str, Any]:
        """What the page script reads: variable names of the map and groups, the config."""
        return {"map": self._parent.get_name(),
                "groups": {name: group.get_name() for name, group in self.groups.items()},
                "overlays": {role: group.get_name() for role, group in self.overlays.items()},
                "config": self.config}
