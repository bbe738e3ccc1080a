"""A PNG of the planners' map, taken in headless Chromium: ``python -m webmap.screenshot``.

Start the service first (``lianchuang serve``), then::

    python -m webmap.screenshot --url http://127.0.0.1:5000/ --out docs/screenshot.png \
        --width 1400 --height 900

(the map opens on the project features; ``--fit-layer built_up_area`` frames a layer instead)

The script waits until every layer is loaded (the page sets ``data-map-state="ready"`` on
its body), optionally opens the project card of a feature, and writes the PNG.  It needs
Playwright (``pip install playwright``) and a Chromium; Debian's is used by default.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from webmap.browser import CHROMIUM, launch_chromium

READY = "body[data-map-state=ready]"
FAILED = "body[data-map-state=error]"

#: Opens the popup of a mission feature in view whose display status is the most urgent,
#: so the screenshot shows a project card.
_OPEN_A_CARD = """() => {
  const app = window.lianchuangMap;
  const urgency = app.config.displayPriority;
  const view = app.map.getBounds();
  const inView = (layer) => view.intersects(
    layer.getBounds ? layer.getBounds() : L.latLngBounds([layer.getLatLng()]));
  const rank = (layer) => urgency.indexOf(layer.feature.properties.display_status);
  const candidates = Object.keys(app.features).sort().map((key) => app.features[key])
    .filter((layer) => app.specs[layer.feature.properties.layer].mission
                       && layer.feature.properties.display_status
                       && app.map.hasLayer(layer) && inView(layer))
    .sort((a, b) => rank(a) - rank(b));  // stable: among equals, by layer and fid
  if (candidates.length) candidates[0].openPopup();
  return candidates.length > 0;
}"""


#: Fits the map to one layer's extent, as listed by the API.
_FIT_LAYER = """async (name) => {
  const app = window.lianchuangMap;
  const catalogue = await (await fetch(app.config.api + "/layers")).json();
  const layer = catalogue.layers.find((l) => l.name === name);
  if (!layer || !layer.extent) return false;
  app.fitExtent(layer.extent);
  return true;
}"""


def wait_until_ready(page, timeout_ms: int = 30_000) -> None:
    """Wait until the map has loaded every layer; raise with the page's message if it failed."""
    page.wait_for_selector(f"{READY}, {FAILED}", timeout=timeout_ms)
    if page.query_selector(FAILED):
        raise RuntimeError("the map failed to load: " + page.inner_text(".lc-status"))


def take_screenshot(url: str, out: Path, *, width: int = 1280, height: int = 800,
                    fit_layer: str | None = None, open_card: bool = True,
                    executable: str = CHROMIUM) -> Path:
    """Load the map at *url* and write a PNG of the window to *out*.

    Parameters
    ----------
    url
        The page, e.g. ``http://127.0.0.1:5000/?lang=en``.
    out
        Where the PNG goes (folders are created).
    width, height
        Window size in CSS pixels.
    fit_layer
        Frame this layer's extent (e.g. ``built_up_area``) instead of all the data.
    open_card
        Open one feature's project card before the picture is taken.
    executable
        The Chromium binary.
    """
    from playwright.sync_api import sync_playwright

    out.parent.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright, executable)
        try:
            page = browser.new_page(locale="zh-CN", viewport={"width": width, "height": height})
            page.goto(url)
            wait_until_ready(page)
            if fit_layer and not page.evaluate(_FIT_LAYER, fit_layer):
                raise RuntimeError(f"layer {fit_layer!r} is unknown or empty")
            wait_until_ready(page)
            if open_card:
                page.evaluate(_OPEN_A_CARD)
            # Let fitBounds and the popup's pan animation settle before the picture.
            page.wait_for_timeout(800)
            page.screenshot(path=str(out))
        finally:
            browser.close()
    return out


def main(argv: list[str] | None = None) -> None:
    """Command line: ``python -m webmap.screenshot [--url URL] [--out PNG] ...``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:5000/",
                        help="the running service's map page (default: %(default)s)")
    parser.add_argument("--out", type=Path, default=Path("docs/screenshot.png"),
                        help="PNG to write (default: %(default)s)")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=800)
    parser.add_argument("--fit-layer", help="frame this layer's extent, e.g. built_up_area")
    parser.add_argument("--no-card", action="store_true", help="do not open a project card")
    parser.add_argument("--chromium", default=CHROMIUM, help="Chromium binary to drive")
    args = parser.parse_args(argv)
    path = take_screenshot(args.url, args.out, width=args.width, height=args.height,
                           fit_layer=args.fit_layer, open_card=not args.no_card,
                           executable=args.chromium)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
