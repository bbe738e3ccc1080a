"""The planner's page: a folium map whose overlays the page script fills from the API.

folium builds the Leaflet page: the basemap, one empty overlay per catalogue layer (a
marker-cluster group for point layers), the layer switcher, full-screen and measuring
controls.  :class:`webmap.elements.PageData` then hands the overlays to ``static/js/map.js``,
which opens on the project features (or on all the data, :data:`START_VIEWS`; the 全县
button frames everything), fetches ``/api/layers`` and, page by page, each layer's
features around the current view (again when the view leaves that area), colours them by
project status and adds the filters, search box and legend.  ``js/map-tracking.js``
adds signing in with an API token, the problem reports overlay and the report form
(Open311), and the status/progress/note form of the project cards.

Every script and stylesheet is served from ``webmap/static`` (see :mod:`webmap.assets`),
so the page makes no request outside the service.
"""

from __future__ import annotations

import dataclasses
from statistics import mean
from typing import Any

import folium
from folium import plugins

from geo.errors import LianchuangError
from layers import clock
from layers.cases.lifecycle import RATINGS, STEPS
from layers.i18n import N_, check_language, translator
from layers.serving.project_links import DISPLAY_PRIORITY
from layers.storage.catalogue import (
    CAMPAIGNS,
    CASE_DUTIES,
    LAYERS,
    OVERDUE_COLOR,
    REPORT_STATUSES,
    ROLES,
    STATUS_COLORS,
    STATUSES,
)
from layers.storage.spec import LayerSpec
from webmap import assets
from webmap.basemaps import Basemap
from webmap.colors import REPORT_STATUS_COLORS
from webmap.elements import PageData
from webmap.shell import map_shell
from webmap.templating import render_map_page

#: Features per API request while loading a layer (the API allows up to 5000).
PAGE_SIZE = 1000
#: A layer with more features than this in view is not drawn until the planner zooms in:
#: beyond it an SVG map in a browser becomes too slow to use.
MAX_FEATURES_IN_VIEW = 5000
#: A layer with more features than this is drawn from vector tiles (``/tiles``, on canvas)
#: instead of GeoJSON pages, whatever the view: the size where pages stop being usable.
VECTOR_TILE_THRESHOLD = MAX_FEATURES_IN_VIEW
#: Drawing depth by geometry: polygons at the bottom, points on top, so that small things
#: stay clickable above large areas; the script orders layers of equal depth by extent.
_GEOMETRY_DEPTH = {"polygon": 0, "line": 2, "point": 3}
#: What the map opens on (``LIANCHUANG_START_VIEW``): ``projects``, the box where most
#: features linked to projects lie (:func:`layers.serving.project_links.projects_extent`),
#: or ``all``, every layer's extent.
START_VIEWS = ("projects", "all")
#: The page's title (msgid).
TITLE = N_("Lianchuang · campaign projects map")
_REPORTS = N_("Problem reports")
_HOTSPOTS = N_("Case hot spots")
_READINESS = N_("Readiness by community")


def start_view(name: str | None) -> str:
    """*name* (``projects`` when unset) if it is one of :data:`START_VIEWS`."""
    name = (name or "projects").strip().lower()
    if name not in START_VIEWS:
        raise LianchuangError(f"LIANCHUANG_START_VIEW={name!r} is not a start view; use one of: "
                              + ", ".join(START_VIEWS))
    return name


def render_page(lang: str = "zh", basemap: Basemap = Basemap("none"), *,
                start_extent: list[float] | None = None, api_root: str = "/api",
                static_root: str = "/static", script_nonce: str | None = None) -> str:
    """The whole HTML page for *lang* (``zh`` or ``en``).

    *start_extent* (``[minx, miny, maxx, maxy]``) is the view the map opens on; without
    one it opens on all the data.  *script_nonce* is the nonce of the page's
    Content-Security-Policy, put on its inline scripts.
    """
    fmap = build_map(lang, basemap, start_extent=start_extent, api_root=api_root,
                     static_root=static_root)
    return render_map_page(fmap.get_root(), lang=lang, title=translator(lang).gettext(TITLE),
                           static_root=static_root,
                           page_script=assets.module_url("map", static_root),
                           script_nonce=script_nonce)


def build_map(lang: str, basemap: Basemap, *, start_extent: list[float] | None = None,
              api_root: str, static_root: str) -> folium.Map:
    """The folium map of the page, with empty overlays for the script to fill.

    Parameters
    ----------
    lang
        ``zh`` or ``en``: labels of layers, statuses, campaigns and controls.
    basemap
        Tiles under the layers (:func:`webmap.basemaps.basemap`).
    start_extent
        ``[minx, miny, maxx, maxy]`` to open on; ``None``: every layer's extent.
    api_root, static_root
        URLs the API and the ``webmap/static`` folder are served at.
    """
    check_language(lang)
    _, fmap = map_shell(translator(lang).gettext(TITLE), basemap, lang, static_root)
    groups = {spec.name: _overlay(spec, lang, static_root).add_to(fmap)
              for spec in sorted(LAYERS, key=lambda spec: not spec.mission)}
    reports = folium.FeatureGroup(name=translator(lang).gettext(_REPORTS), overlay=True,
                                  show=True).add_to(fmap)
    hotspots = folium.FeatureGroup(name=translator(lang).gettext(_HOTSPOTS), overlay=True,
                                   show=False).add_to(fmap)
    readiness = folium.FeatureGroup(name=translator(lang).gettext(_READINESS), overlay=True,
                                    show=False).add_to(fmap)
    folium.LayerControl(position="topright", collapsed=False).add_to(fmap)
    _add_tools(fmap, lang, static_root)
    PageData(page_config(lang, api_root, start_extent), groups=groups,
             overlays={"reports": reports, "hotspots": hotspots, "readiness": readiness},
             js=assets.urls(assets.APP_JS + assets.EDITOR_JS, static_root),
             css=assets.urls(assets.APP_CSS + assets.EDITOR_CSS, static_root)).add_to(fmap)
    return fmap


def page_config(lang: str, api_root: str,
                start_extent: list[float] | None = None) -> dict[str, Any]:
    """Settings and labels the page script needs, all taken from the catalogue."""
    service_root = api_root.rstrip("/").removesuffix("/api")
    return {
        "lang": lang,
        # The county's time zone: "today" and day ranges are the county's, not the browser's
        "zone": clock.zone().key,
        "api": api_root.rstrip("/"),
        "open311": service_root + "/open311/v2",
        "dashboard": service_root + "/dashboard",
        "green": service_root + "/green",  # a project's effect on readiness: ?project=<id>
        "startExtent": start_extent,
        "pageSize": PAGE_SIZE,
        "maxFeaturesInView": MAX_FEATURES_IN_VIEW,
        "vectorTiles": {"threshold": VECTOR_TILE_THRESHOLD, "url": service_root + "/tiles"},
        "statuses": [{"code": s.code, "label": getattr(s, lang), "color": STATUS_COLORS[s.code]}
                     for s in STATUSES],
        "overdueColor": OVERDUE_COLOR,
        "displayPriority": list(DISPLAY_PRIORITY),
        "campaigns": [{"code": c.code, "label": getattr(c, lang)} for c in CAMPAIGNS],
        "layers": [_layer_config(spec, lang) for spec in LAYERS],
        "roles": {r.code: getattr(r, lang) for r in ROLES},
        "duties": {d.code: getattr(d, lang) for d in CASE_DUTIES},
        "reportStatuses": [{"code": c.code, "label": getattr(c, lang),
                            "color": REPORT_STATUS_COLORS[c.code]} for c, _ in REPORT_STATUSES],
        # A case card's step forms ask for what each step needs (layers/cases/lifecycle.py);
        # the card offers the signed-in user the steps of their duties, and the server
        # decides.
        "caseSteps": {s.action: {"label": getattr(s, lang), "needs": list(s.needs),
                                 "duties": list(s.duties)}
                      for s in STEPS.values()},
        "caseRatings": {code: labels[0 if lang == "zh" else 1]
                        for code, labels in RATINGS.items()},
    }


def _layer_config(spec: LayerSpec, lang: str) -> dict[str, Any]:
    return {
        "name": spec.name,
        "title": spec.title(lang),
        "mission": spec.mission,
        "geometry": list(spec.geometry),
        "depth": mean(_GEOMETRY_DEPTH[g] for g in spec.geometry) + (0.5 if spec.mission else 0),
        "style": dataclasses.asdict(spec.style),
        "fields": [{"name": f.name, "label": getattr(f, lang), "type": f.type,
                    "choices": {c.code: getattr(c, lang) for c in f.choices}}
                   for f in spec.fields],
    }


def _overlay(spec: LayerSpec, lang: str, static_root: str) -> folium.map.Layer:
    """An empty overlay named after the layer; point layers cluster their markers.

    Mission layers are shown at first; reference layers start unticked in the layer
    switcher, so the campaign's work reads at a glance.
    """
    if spec.geometry != ("point",):
        return folium.FeatureGroup(name=spec.title(lang), overlay=True, show=spec.mission)
    cluster = plugins.MarkerCluster(name=spec.title(lang), overlay=True, show=spec.mission,
                                    options={"maxClusterRadius": 40})
    cluster.default_js = assets.urls(assets.MARKER_CLUSTER_JS, static_root)
    cluster.default_css = assets.urls(assets.MARKER_CLUSTER_CSS, static_root)
    return cluster


def _add_tools(fmap: folium.Map, lang: str, static_root: str) -> None:
    _ = translator(lang).gettext
    fullscreen = plugins.Fullscreen(position="topleft", title=_("Full screen"),
                                    title_cancel=_("Exit full screen"))
    fullscreen.default_js = assets.urls(assets.FULLSCREEN_JS, static_root)
    fullscreen.default_css = assets.urls(assets.FULLSCREEN_CSS, static_root)
    measure = plugins.MeasureControl(position="topleft", primary_length_unit="meters",
                                     secondary_length_unit="kilometers",
                                     primary_area_unit="sqmeters",
                                     secondary_area_unit="hectares")
    measure.default_js = assets.urls(assets.MEASURE_JS[lang], static_root)
    measure.default_css = assets.urls(assets.MEASURE_CSS, static_root)
    fullscreen.add_to(fmap)
    measure.add_to(fmap)
