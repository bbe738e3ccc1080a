"""The map every map page starts from: a tile-less Leaflet map with the basemap under it.

The planners' map (:mod:`webmap.page`), the inspection page and the green-space page each
add their own overlays and script to the map this returns;
:func:`webmap.templating.render_map_page` puts it in the base template (title, favicon).
"""

from __future__ import annotations

import folium
from branca.element import Figure

from webmap import assets
from webmap.basemaps import Basemap

#: The map's own zoom limit: marker clustering needs one even with no tile layer.
MAX_ZOOM = 19


def map_shell(title: str, basemap: Basemap, lang: str, static_root: str
              ) -> tuple[Figure, folium.Map]:
    """A page titled *title* holding an empty map with *basemap* under it.

    Leaflet comes from ``webmap/static`` (no CDN); the map has no starting view (the page
    script fits it to the data), so no tile is asked for before the script can watch the
    basemap (``guardBasemap`` in ``static/js/common.js``); it zooms in quarter steps, so
    fitting an extent fills the view instead of jumping a level.
    """
    figure = Figure(title=title)
    fmap = folium.Map(location=None, tiles=None, zoom_control=True)
    del fmap.options["zoom"]  # with a centre but no zoom, Leaflet sets no view
    fmap.options["max_zoom"] = MAX_ZOOM
    fmap.options["zoom_snap"] = 0.25
    figure.add_child(fmap)
    fmap.default_js = assets.urls(assets.LEAFLET_JS, static_root)
    fmap.default_css = assets.urls(assets.LEAFLET_CSS + assets.CONTROLS_CSS, static_root)
    for index, source in enumerate(basemap.sources(lang)):
        folium.TileLayer(tiles=source.url, attr=source.attribution, name=basemap.kind,
                         subdomains=source.subdomains, max_zoom=min(source.max_zoom, MAX_ZOOM),
                         overlay=index > 0, control=False).add_to(fmap)
    return figure, fmap
