"""Every page in headless Chromium under its Content-Security-Policy, over real HTTP: it
loads and draws with no violation of the policy, and the policy does refuse what it must.

A violation is recorded from the document's ``securitypolicyviolation`` events (listened to
before any script of the page runs) and from the console, where Chromium reports it too.
Every browser test gives ``page.wait_for_function`` a function, never an expression: while
it polls, Playwright evaluates an expression with ``eval``, which the policy refuses.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from api.app import create_app
from tests.images import PNG
from tests.live_server import served

pytest_plugins = ["tests.factories"]

#: Records every violation of the page's policy in ``window.cspViolations``.
_RECORD_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.cspViolations.push(`${event.effectiveDirective} blocked ${event.blockedURI || "inline"}`
                            + ` at ${event.sourceFile}:${event.lineNumber}`);
});
"""
#: What each page sets on its body once its script has loaded what it shows.
READY = {"/": "body[data-map-state=ready]", "/green": "body[data-map-state=ready]",
         "/inspection": "body[data-inspection-state=ready]", "/dashboard": "main",
         "/api/docs": "section"}
MAP_PAGES = ("/", "/green")


@dataclass
class Opened:
    page: object
    console: list[str] = field(default_factory=list)

    def violations(self) -> list[str]:
        return self.page.evaluate("window.cspViolations") + [
            line for line in self.console if "Content Security Policy" in line]


@pytest.fixture
def open_page(chromium, live_server):
    """Opens a path of the live server in a fresh context; returns it once it is ready."""
    contexts = []

    def open_page(path: str, base: str = live_server) -> Opened:
        context = chromium.new_context(locale="zh-CN", viewport={"width": 1280, "height": 800})
        contexts.append(context)
        context.add_init_script(_RECORD_VIOLATIONS)
        opened = Opened(context.new_page())
        opened.page.on("console", lambda m: opened.console.append(f"{m.type}: {m.text}"))
        opened.page.on("pageerror", lambda e: opened.console.append(f"page error: {e}"))
        opened.page.goto(base + path)
        opened.page.wait_for_selector(READY[path.split("?")[0]], timeout=30_000)
        return opened

    yield open_page
    for context in contexts:
        context.close()


@pytest.mark.parametrize("path", [*READY, "/?lang=en"])  # English: its own leaflet-measure
def test_each_page_loads_under_its_policy_with_no_violation(open_page, city, path):
    opened = open_page(path)

    assert opened.violations() == []
    assert [line for line in opened.console if line.startswith("page error")] == []


@pytest.mark.parametrize("path", MAP_PAGES)
def test_the_map_still_draws_under_the_policy(open_page, city, path):
    page = open_page(path).page

    assert page.locator(".leaflet-map-pane path.leaflet-interactive").count() > 0


def test_the_measuring_control_works_without_eval(open_page, city):
    opened = open_page("/")
    page = opened.page

    page.hover(".leaflet-control-measure")
    page.click(".leaflet-control-measure .js-start")
    page.mouse.click(640, 400)

    assert page.locator(".leaflet-control-measure .js-results").inner_text() != ""
    assert opened.violations() == []


#: Adds, once this evaluation is over, an inline script that sets ``window.outcome`` to what
#: *code* returns (or the name of what it throws), with the page's own nonce if *withNonce*.
#: Not during the evaluation: DevTools lets code it runs itself ``eval`` whatever the policy.
_ADD_INLINE = """([code, withNonce]) => {
  const script = document.createElement("script");
  if (withNonce) script.nonce = document.querySelector("script[nonce]").nonce;
  script.textContent = `try { window.outcome = (${code})(); }
                        catch (error) { window.outcome = error.name; }`;
  window.outcome = "did not run";
  setTimeout(() => { document.body.append(script); window.added = true; });
}"""


def run_inline(page, code: str, with_nonce: bool):
    """What the inline script *code* came to (see :data:`_ADD_INLINE`)."""
    page.evaluate("window.added = false")
    page.evaluate(_ADD_INLINE, [code, with_nonce])
    page.wait_for_function("() => window.added")
    return page.evaluate("window.outcome")


def test_an_inline_script_runs_only_with_the_pages_nonce(open_page, city):
    opened = open_page("/")

    assert run_inline(opened.page, "() => 'ran'", with_nonce=True) == "ran"
    assert opened.violations() == []
    assert run_inline(opened.page, "() => 'ran'", with_nonce=False) == "did not run"
    assert any(v.startswith("script-src-elem blocked inline") for v in opened.violations())


def test_eval_is_refused(open_page, city):
    opened = open_page("/")

    assert run_inline(opened.page, "() => eval('1 + 1')", with_nonce=True) == "EvalError"
    assert run_inline(opened.page, "() => Function('return 2')()", with_nonce=True
                      ) == "EvalError"


def test_the_map_draws_over_the_tile_servers_the_policy_names(chromium, city, database_url):
    """With a basemap configured, its tiles are asked for and none is refused by the
    policy (the servers themselves are not reached: every request leaving the machine is
    answered here with a small picture)."""
    app = create_app({"DATABASE_URL": database_url, "LIANCHUANG_TILES": "tianditu",
                      "TIANDITU_KEY": "k3y", "TESTING": True})
    with served(app) as base:
        context = chromium.new_context(viewport={"width": 1280, "height": 800})
        try:
            tiles = []

            def answer_tile(route):
                tiles.append(route.request.url)
                route.fulfill(status=200, content_type="image/png", body=PNG)

            context.route("https://*.tianditu.gov.cn/**", answer_tile)
            context.add_init_script(_RECORD_VIOLATIONS)
            page = context.new_page()
            page.goto(base + "/")
            page.wait_for_selector(READY["/"], timeout=30_000)
            page.wait_for_function(
                "() => document.querySelectorAll('img.leaflet-tile-loaded').length > 1",
                timeout=15_000)

            assert tiles and page.evaluate("window.cspViolations") == []
        finally:
            context.close()

