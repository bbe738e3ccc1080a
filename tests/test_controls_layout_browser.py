"""No map control covers another or leaves the map, on every page and common screen size,
in headless Chromium.  A legend under the layer switcher, or a panel running off the bottom
of a laptop screen, hides what a planner needs to read at a glance.
"""

from __future__ import annotations

import pytest

from api.app import create_app
from tests.factories import build_city
from tests.green_town import build_green_town
from tests.live_server import served
from tests.test_inspection_town import TODAY, build_town, with_inspection

pytest_plugins = ["tests.factories"]

#: Laptop and desktop screens the county's offices use.
VIEWPORTS = [(1024, 700), (1280, 800), (1400, 900), (1920, 1080)]
PAGES = {
    "map": ("/", "body[data-map-state=ready]", build_city),
    "green": ("/green", "body[data-map-state=ready]", build_green_town),
    "inspection": (f"/inspection?today={TODAY}", "body[data-inspection-state=ready]",
                   build_town),
}

# Every pair of visible controls that intersect, and every control outside the map.
_COLLISIONS = """() => {
  const map = document.querySelector(".leaflet-container").getBoundingClientRect();
  const controls = [...document.querySelectorAll(".leaflet-control")].filter((el) => {
    const box = el.getBoundingClientRect();
    return el.offsetParent !== null && box.width > 0 && box.height > 0;
  });
  const name = (el) => el.className.split(/\\s+/).filter((c) => c.startsWith("lc")
    || (c.startsWith("leaflet-control-") && c !== "leaflet-control")).join(".") || "control";
  const found = [];
  controls.forEach((el, i) => {
    const a = el.getBoundingClientRect();
    if (a.left < map.left - 1 || a.top < map.top - 1 || a.right > map.right + 1
        || a.bottom > map.bottom + 1) found.push(name(el) + " leaves the map");
    controls.slice(i + 1).forEach((other) => {
      const b = other.getBoundingClientRect();
      if (a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1
          && b.top < a.bottom - 1) found.push(name(el) + " covers " + name(other));
    });
  });
  return found;
}"""


@pytest.fixture
def opened(chromium, database_url):
    app = with_inspection(create_app({"DATABASE_URL": database_url, "LIANCHUANG_TILES": "none",
                                      "TESTING": True}))
    contexts = []
    with served(app) as base:
        def opened(path: str, ready: str, width: int, height: int):
            context = chromium.new_context(locale="zh-CN",
                                           viewport={"width": width, "height": height})
            contexts.append(context)
            page = context.new_page()
            page.goto(base + path)
            page.wait_for_selector(ready, timeout=30_000)
            page.wait_for_timeout(300)
            return page

        try:
            yield opened
        finally:
            for context in contexts:
                context.close()


@pytest.mark.parametrize("name", PAGES)
def test_no_control_covers_another_or_leaves_the_map(opened, clean_db, name):
    path, ready, build = PAGES[name]
    build(clean_db)
    found = {}
    for width, height in VIEWPORTS:
        page = opened(path, ready, width, height)
        collisions = page.evaluate(_COLLISIONS)
        if collisions:
            found[f"{width}×{height}"] = collisions
    assert found == {}
