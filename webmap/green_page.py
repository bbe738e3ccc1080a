"""The green-space page (``/green``) and the map picture of the assessors' report.

The page is a folium map that ``green.js`` drives: folium writes the Leaflet map and its
basemap; :class:`webmap.elements.PageData` hands the map and :func:`green_config` to the
page module ``static/js/green.js``.  The script reads
``/api/metrics/green`` (the indicator panel and the per-community values), the communities,
parks, shantytown zones and built-up area from ``/api/layers/…/features``, and
``/api/metrics/green/unserved``; it colours the communities by the chosen indicator, draws
the residential land no park serves, and posts scenarios (drawn polygons, converted zones,
removed parks) to ``/api/metrics/green/scenario``.  Every asset is served from
``webmap/static``, so the page makes no request outside the service.

:func:`report_map_svg` draws the report's map as inline SVG from the geometries themselves
(no tiles, no image library): the same picture on screen, in the PDF and offline.
"""

from __future__ import annotations

import dataclasses
import html
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from layers.green.judging import INDICATOR_NAMES
from layers.i18n import N_, check_language, translator
from layers.storage.catalogue import get_layer
from webmap import assets
from webmap.basemaps import Basemap
from webmap.elements import PageData
from webmap.shell import map_shell
from webmap.templating import render_map_page

APP_CSS = (("green_css", "green.css"),)
#: The page's title (msgid).
TITLE = N_("Lianchuang · green-space indicators")
#: CJJ/T 85-2017 classes a scenario may create, and their names (msgid).
GREEN_CLASS_NAMES: dict[str, str] = {
    "G11": N_("G11 Comprehensive park"),
    "G12": N_("G12 Community park"),
    "G13": N_("G13 Specialised park"),
    "G14": N_("G14 Pocket park"),
    "G2": N_("G2 Protective green"),
    "G3": N_("G3 Square"),
    "XG": N_("XG Attached green"),
    "EG": N_("EG Regional green"),
}
#: Indicators the community choropleth offers, the first shown by default.
CHOROPLETH_INDICATORS = ("park_service_coverage", "park_area_per_capita", "green_space_ratio",
                         "green_coverage_rate", "park_service_coverage_walking")
#: Light to dark, one colour per class of the choropleth (ColorBrewer PuBu, 5 classes): not
#: green, so the parks drawn over it stay visible.
CHOROPLETH_COLORS = ("#f1eef6", "#bdc9e1", "#74a9cf", "#2b8cbe", "#045a8d")
#: The residential land no park serves, on the page and in the report.
UNSERVED_STYLE = {"color": "#b71c1c", "fill_color": "#e53935", "fill_opacity": 0.6,
                  "weight": 1.0}
#: Layers the page draws for context, styled as the catalogue styles them.
CONTEXT_LAYERS = ("built_up_area", "communities", "parks", "shantytown_zones")


def render_green_page(lang: str = "zh", basemap: Basemap | None = None, *,
                      api_root: str = "/api", static_root: str = "/static", home: str = "/",
                      title: str | None = None, script_nonce: str | None = None,
                      project: int | None = None) -> str:
    """The whole HTML page for *lang* (``zh`` or ``en``).

    Parameters
    ----------
    lang
        ``zh`` or ``en``.
    basemap
        Tiles under the layers (:func:`webmap.basemaps.basemap`); ``None`` or ``none`` draws
        the layers on a plain background.
    api_root, static_root, home
        URLs of the API, the ``webmap/static`` folder and the planners' map.
    title
        The thresholds title selected first (a key of ``thresholds.json``); the API's
        default when not given.
    script_nonce
        The nonce of the page's Content-Security-Policy, put on its inline scripts.
    project
        A project whose effect on readiness (its drawn parks and green space) the page
        shows at once, as the project's card links to it.
    """
    check_language(lang)
    basemap = basemap or Basemap("none")
    page_title = translator(lang).gettext(TITLE)
    figure, fmap = map_shell(page_title, basemap, lang, static_root)
    PageData(green_config(lang, api_root, home=home, title=title, project=project),
             css=assets.urls(APP_CSS, static_root)).add_to(fmap)
    return render_map_page(figure, lang=lang, title=page_title, static_root=static_root,
                           page_script=assets.module_url("green", static_root),
                           script_nonce=script_nonce)


def green_config(lang: str, api_root: str, *, home: str = "/",
                 title: str | None = None, project: int | None = None) -> dict[str, Any]:
    """Settings and labels the page script needs."""
    _ = translator(lang).gettext
    return {
        "lang": lang,
        "api": api_root.rstrip("/"),
        "home": home,
        "title": title,
        "project": project,
        "indicators": {key: _(name) for key, name in INDICATOR_NAMES.items()},
        "choropleth": list(CHOROPLETH_INDICATORS),
        "colors": list(CHOROPLETH_COLORS),
        "classes": [{"code": code, "label": _(name)} for code, name in GREEN_CLASS_NAMES.items()],
        "unservedStyle": UNSERVED_STYLE,
        "styles": {name: {**dataclasses.asdict(get_layer(name).style),
                          "title": get_layer(name).title(lang)} for name in CONTEXT_LAYERS},
    }


# --- the report's map ----------------------------------------------------------------------

#: Drawing order of the report map, bottom first: (layer, SVG style, legend label).
_MAP_LAYERS = (
    ("communities", 'fill="#f3f1f8" stroke="#7e57c2" stroke-width="0.8"', "社区"),
    ("residential", 'fill="#fff59d" stroke="#f9a825" stroke-width="0.5"', "居住用地（已覆盖）"),
    ("unserved", 'fill="#e53935" fill-opacity="0.75" stroke="#b71c1c" stroke-width="0.6"',
     "公园服务半径未覆盖的居住用地"),
    ("green_spaces", 'fill="#aed581" fill-opacity="0.8" stroke="#558b2f" stroke-width="0.4"',
     "其他绿地"),
    ("parks", 'fill="#43a047" stroke="#1b5e20" stroke-width="0.6"', "公园绿地"),
    ("streets", 'fill="none" stroke="#90a4ae" stroke-width="0.8"', "道路"),
    ("built_up", 'fill="none" stroke="#c62828" stroke-width="1.6" stroke-dasharray="8 5"',
     "建成区边界"),
)


def report_map_svg(layers: dict[str, gpd.GeoSeries | None], *, epsg: int | None,
                   width: int = 720, height: int = 520) -> str:
    """An SVG map of *layers* (any CRS), drawn in the metric CRS *epsg*, with legend and scale.

    Parameters
    ----------
    layers
        Geometries by name: ``communities``, ``residential``, ``unserved``, ``green_spaces``,
        ``parks``, ``streets``, ``built_up`` (missing or ``None``: not drawn); the extent is
        the built-up area's.
    epsg
        The CRS to draw in (the indicators' Gauss-Krüger zone); ``None`` keeps EPSG:4326.
    width, height
        Size of the map area in SVG units; the legend goes below it.
    """
    projected = {name: _projected(series, epsg) for name, series in layers.items()
                 if series is not None and len(series)}
    frame = projected.get("built_up")
    if frame is None or not len(frame):
        return ""
    minx, miny, maxx, maxy = shapely.total_bounds(frame)
    pad = 0.03 * max(maxx - minx, maxy - miny)
    minx, miny, maxx, maxy = minx - pad, miny - pad, maxx + pad, maxy + pad
    scale = min(width / (maxx - minx), height / (maxy - miny))
    width, height = int(np.ceil((maxx - minx) * scale)), int(np.ceil((maxy - miny) * scale))
    clip = shapely.box(minx, miny, maxx, maxy)

    def to_svg(xy: np.ndarray) -> np.ndarray:
        return np.column_stack([(xy[:, 0] - minx) * scale, (maxy - xy[:, 1]) * scale])

    drawn = [(f'<g {style}><path fill-rule="evenodd" d="'
              f'{_path(shapely.intersection(projected[name], clip), to_svg)}"/></g>')
             for name, style, _ in _MAP_LAYERS if name in projected]
    legend_height = 22 * ((len(_MAP_LAYERS) + 1) // 2) + 10
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="report-map" role="img" '
            f'aria-label="建成区公园绿地与未覆盖居住用地分布图" '
            f'viewBox="0 0 {width} {height + legend_height}" width="{width}" '
            f'height="{height + legend_height}">'
            f'<rect width="{width}" height="{height}" fill="#fafaf7" stroke="#ccc"/>'
            + "".join(drawn) + _north_and_scale(width, height, scale)
            + _legend(projected, height) + "</svg>")


def _projected(series: gpd.GeoSeries, epsg: int | None) -> np.ndarray:
    series = series[~series.isna()]
    if epsg:
        series = series.to_crs(epsg)
    return np.asarray(series.array, dtype=object)


def _path(geoms: np.ndarray, to_svg) -> str:
    """SVG path data of every ring and line of *geoms*, one decimal place."""
    parts = shapely.get_parts(shapely.get_parts(geoms))
    polygons = shapely.get_type_id(parts) == shapely.GeometryType.POLYGON
    rings = np.concatenate([shapely.get_exterior_ring(parts[polygons]),
                            *_interiors(parts[polygons]), parts[~polygons]])
    rings = rings[~shapely.is_empty(rings) & (shapely.get_dimensions(rings) == 1)]
    commands = []
    for ring, closed in zip(rings, shapely.is_closed(rings)):  # one string per ring
        xy = to_svg(shapely.get_coordinates(ring))
        points = " ".join(f"{x:.1f} {y:.1f}" for x, y in xy)
        commands.append(f"M{points}{'Z' if closed else ''}")
    return " ".join(commands)


def _interiors(polygons: np.ndarray) -> list[np.ndarray]:
    counts = shapely.get_num_interior_rings(polygons)
    return [shapely.get_interior_ring(polygons[counts > i], i)
            for i in range(int(counts.max(initial=0)))]


def _north_and_scale(width: int, height: int, scale: float) -> str:
    metres = _nice_length(width * 0.22 / scale)
    bar = metres * scale
    x, y = 14, height - 16
    label = f"{metres / 1000:g} km" if metres >= 1000 else f"{metres:g} m"
    return (f'<g font-size="11" fill="#333"><rect x="{x}" y="{y - 4}" width="{bar:.1f}" '
            f'height="4" fill="#333"/><text x="{x}" y="{y - 8}">{label}</text>'
            f'<text x="{width - 22}" y="24" font-size="15" font-weight="bold">N</text>'
            f'<path d="M{width - 17} 30 l-5 14 l5 -4 l5 4 Z" fill="#333"/></g>')


def _nice_length(metres: float) -> float:
    """The largest 1, 2 or 5 × 10ⁿ metres not above *metres*."""
    power = 10 ** np.floor(np.log10(max(metres, 1.0)))
    return float(max(step * power for step in (1, 2, 5) if step * power <= max(metres, 1.0)))


def _legend(projected: dict[str, np.ndarray], top: int) -> str:
    shown = [(name, style, label) for name, style, label in _MAP_LAYERS if name in projected]
    items = []
    for index, (name, style, label) in enumerate(shown):
        x, y = 10 + 300 * (index % 2), top + 12 + 22 * (index // 2)
        swatch = (f'<path d="M{x} {y + 8} h26" {style}/>' if name in ("streets", "built_up")
                  else f'<rect x="{x}" y="{y}" width="26" height="14" {style}/>')
        items.append(f'{swatch}<text x="{x + 34}" y="{y + 12}" font-size="12" fill="#333">'
                     f"{html.escape(label)}</text>")
    return "<g>" + "".join(items) + "</g>"
