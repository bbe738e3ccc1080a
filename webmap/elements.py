"""The folium element that starts the page's script (``static/lianchuang.js``).

folium writes the Leaflet map, the overlay groups and the controls; this element adds the
script and its stylesheet to the page head and calls ``Lianchuang.start`` with the map, the
empty overlay groups (by layer name), the page configuration and the other overlays it
fills (``reports``: the problem reports).  The script then fills the groups from the API,
so no feature is ever written into the page itself.
"""

from __future__ import annotations

from typing import Any

from branca.element import MacroElement
from folium.elements import JSCSSMixin
from folium.map import Layer
from folium.template import Template


class MapApp(JSCSSMixin, MacroElement):
    """Starts the page script on the map it is added to.

    Parameters
    ----------
    groups
        The overlay group of each layer, by layer name, for the script to fill.
    config
        JSON-ready settings and labels for the script (see :func:`webmap.page.page_config`).
    overlays
        Further overlay groups for the script, by role (``reports``).
    js, css
        folium ``(name, url)`` lists of the script and stylesheet.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            Lianchuang.start(
                {{ this._parent.get_name() }},
                {
                {%- for name, group in this.groups.items() %}
                    {{ name|tojson }}: {{ group.get_name() }},
                {%- endfor %}
                },
                {{ this.config|tojson }},
                {
                {%- for role, group in this.overlays.items() %}
                    {{ role|tojson }}: {{ group.get_name() }},
                {%- endfor %}
                }
            );
        {% endmacro %}
        """
    )

    def __init__(self, groups: dict[str, Layer], config: dict[str, Any],
                 js: list[tuple[str, str]], css: list[tuple[str, str]],
                 overlays: dict[str, Layer] | None = None):
        super().__init__()
        self._name = "MapApp"
        self.groups = groups
        self.config = config
        self.overlays = overlays or {}
        self.default_js = js
        self.default_css = css
