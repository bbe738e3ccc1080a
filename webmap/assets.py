"""The page's scripts and stylesheets, every one served from ``webmap/static``.

No CDN: the map must work on an intranet and in the tests with no external request at all.
The vendored libraries and their licences are listed in ``static/vendor/README.md``.
"""

from __future__ import annotations

from pathlib import Path

STATIC_DIR = Path(__file__).resolve().parent / "static"

_LEAFLET = "vendor/leaflet-1.9.4/"
_CLUSTER = "vendor/leaflet.markercluster-1.5.3/"
_FULLSCREEN = "vendor/leaflet.fullscreen-3.0.2/"
_MEASURE = "vendor/leaflet-measure-3.1.0/"
_VECTORGRID = "vendor/leaflet.vectorgrid-1.3.0/"
_GEOMAN = "vendor/leaflet-geoman-free-2.20.2/"

#: (name, path under ``static/``) pairs; the name is the one folium knows the asset by,
#: so the local copy replaces folium's CDN link instead of being added beside it.
LEAFLET_JS = (("leaflet", _LEAFLET + "leaflet.js"),)
LEAFLET_CSS = (("leaflet_css", _LEAFLET + "leaflet.css"),)
#: How our controls share the map's corners (every map page).
CONTROLS_CSS = (("controls_css", "controls.css"),)
MARKER_CLUSTER_JS = (("markerclusterjs", _CLUSTER + "leaflet.markercluster.js"),)
MARKER_CLUSTER_CSS = (("markerclustercss", _CLUSTER + "MarkerCluster.css"),
                      ("markerclusterdefaultcss", _CLUSTER + "MarkerCluster.Default.css"))
FULLSCREEN_JS = (("Control.Fullscreen.js", _FULLSCREEN + "Control.FullScreen.js"),)
FULLSCREEN_CSS = (("Control.FullScreen.css", _FULLSCREEN + "Control.FullScreen.css"),)
#: leaflet-measure ships one build per language; ours have its HTML templates compiled ahead
#: of time (``scripts/precompile_measure_templates.js``): the shipped builds compile them
#: with ``Function()`` as they load, which the pages' CSP (no 'unsafe-eval') refuses.
MEASURE_JS = {"zh": (("leaflet_measure_js", _MEASURE + "leaflet-measure.cn.precompiled.js"),),
              "en": (("leaflet_measure_js", _MEASURE + "leaflet-measure.precompiled.js"),)}
MEASURE_CSS = (("leaflet_measure_css", _MEASURE + "leaflet-measure.css"),)
#: The libraries the planners' map script uses besides Leaflet.
APP_JS = (("leaflet_vectorgrid_js", _VECTORGRID + "Leaflet.VectorGrid.bundled.min.js"),)
APP_CSS = (("lianchuang_css", "lianchuang.css"),)
#: Leaflet-Geoman, the drawing and editing toolbar of the map's edit mode (js/map-editor.js).
#: Loaded on every map page; the toolbar is shown only to a signed-in planner or admin.
EDITOR_JS = (("leaflet_geoman_js", _GEOMAN + "leaflet-geoman.min.js"),)
EDITOR_CSS = (("leaflet_geoman_css", _GEOMAN + "leaflet-geoman.css"),)
#: sha256 of each vendored editor file as npm shipped it (checked by tests/test_webmap_page).
VENDORED_SHA256 = {
    _GEOMAN + "leaflet-geoman.min.js":
        "20d0ba38069526be959287b8ae13234f660f92db28de86782ebcad028dda9ed3",
    _GEOMAN + "leaflet-geoman.css":
        "a0df8e0f6301f9f71d772b2c61913bb9094ae0735fd2223ccd1aecd871ea250c",
}


def module_url(module: str, static_root: str) -> str:
    """URL of the page script *module* (``map``, ``green``, ``inspection``) in ``static/js``."""
    return f"{static_root.rstrip('/')}/js/{module}.js"


def urls(assets: tuple[tuple[str, str], ...], static_root: str) -> list[tuple[str, str]]:
    """*assets* as folium's ``(name, url)`` list, under the URL the static folder is served at."""
    return [(name, static_root.rstrip("/") + "/" + path) for name, path in assets]
