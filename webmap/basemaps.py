"""Basemaps the planner's page can draw under the layers: OpenStreetMap, Tianditu or none.

Both tile services are in WGS84/CGCS2000 lon/lat, like the stored layers, so nothing is
shifted (a GCJ-02 basemap such as Amap's would need the layers offset by ~500 m).  With
``none``, or when tiles cannot be reached, the layers sit on a plain background.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from geo.errors import LianchuangError
from layers.i18n import LANGUAGES

KINDS = ("osm", "tianditu", "none")

_TIANDITU = ("https://t{s}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile"
             "&VERSION=1.0.0&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles"
             "&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk={key}")


@dataclass(frozen=True)
class TileSource:
    """One tile layer in Leaflet's URL template form."""

    url: str
    attribution: str
    subdomains: str = "abc"
    max_zoom: int = 19

    def origins(self) -> tuple[str, ...]:
        """The ``scheme://host`` every tile comes from, one per subdomain in ``{s}``."""
        hosts = [self.url.replace("{s}", s) for s in self.subdomains] or [self.url]
        return tuple(dict.fromkeys(f"{urlsplit(url).scheme}://{urlsplit(url).netloc}"
                                   for url in hosts))


@dataclass(frozen=True)
class Basemap:
    """A configured basemap; :meth:`sources` gives its tile layers, bottom first."""

    kind: str
    key: str | None = None

    def sources(self, lang: str) -> tuple[TileSource, ...]:
        """Tile layers for a page in *lang* (Tianditu labels the map in that language)."""
        if self.kind == "osm":
            return (TileSource("https://tile.openstreetmap.org/{z}/{x}/{y}.png",
                               "&copy; OpenStreetMap contributors", subdomains=""),)
        if self.kind == "tianditu":
            labels = "eva" if lang == "en" else "cva"
            return tuple(
                TileSource(_TIANDITU.replace("{layer}", layer).replace("{key}", self.key),
                           "&copy; 天地图 Tianditu", subdomains="01234567", max_zoom=18)
                for layer in ("vec", labels)
            )
        return ()

    def origins(self) -> tuple[str, ...]:
        """Every origin a page's tiles come from, in any language: what a page's
        Content-Security-Policy lets images load from besides the service."""
        return tuple(dict.fromkeys(origin for lang in LANGUAGES for source in self.sources(lang)
                                   for origin in source.origins()))


def basemap(kind: str, key: str | None = None) -> Basemap:
    """The basemap named *kind* (``osm``, ``tianditu``, ``none``), checked for what it needs."""
    kind = kind.strip().lower()
    if kind not in KINDS:
        raise LianchuangError(f"LIANCHUANG_TILES={kind!r} is not a basemap; use one of: "
                              + ", ".join(KINDS))
    if kind == "tianditu" and not (key and key.strip()):
        raise LianchuangError("LIANCHUANG_TILES=tianditu needs TIANDITU_KEY, a browser key "
                              "from https://console.tianditu.gov.cn (or use osm or none)")
    return Basemap(kind, key.strip() if key else None)
