"""The Content-Security-Policy of every answer: a page runs only the service's script files
and its own inline scripts (by the request's nonce), and loads images only from the service
and the configured basemap's tile servers; anything else may load or run nothing."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from sqlalchemy.engine import make_url

from api.app import create_app
from api.guards import STRICT_POLICY
from tests.factories import free_port

pytest_plugins = ["tests.factories"]

PAGES = ["/", "/?lang=en", "/green", "/inspection", "/dashboard", "/api/docs", "/ogc?f=html",
         "/api/metrics/green/report?format=html", "/report", "/track?code=ABCDEF2345"]
MAP_PAGES = ["/", "/?lang=en", "/green", "/inspection"]


class _Scripts(HTMLParser):
    """The attributes of every ``<script>`` of a page, and every inline event handler."""

    def __init__(self):
        super().__init__()
        self.scripts: list[dict[str, str | None]] = []
        self.handlers: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script":
            self.scripts.append(attributes)
        self.handlers += [f"<{tag} {name}>" for name in attributes if name.startswith("on")]
        self.handlers += [f"<{tag} {name}>" for name, value in attributes.items()
                          if (value or "").strip().lower().startswith("javascript:")]


def scripts_of(html: str) -> _Scripts:
    parser = _Scripts()
    parser.feed(html)
    return parser


def inline_code(scripts: _Scripts) -> list[dict[str, str | None]]:
    """The inline scripts a browser would run: no ``src``, not a data block."""
    return [s for s in scripts.scripts
            if "src" not in s and s.get("type") not in ("application/json",)]


def directives(policy: str) -> dict[str, list[str]]:
    return {name: values for name, *values in (part.split() for part in policy.split(";"))}


def policy_text(response) -> str:
    return response.headers["Content-Security-Policy"]


def nonce_of(policy: str) -> str:
    (source,) = [s for s in directives(policy)["script-src"] if s.startswith("'nonce-")]
    return source.removeprefix("'nonce-").removesuffix("'")


def _app_with(database_url: str, **config) -> object:
    return create_app({"DATABASE_URL": database_url, "TESTING": True, **config}).test_client()


@pytest.mark.parametrize("path", PAGES)
def test_a_page_may_run_only_the_services_files_and_its_nonce(client, city, path):
    response = client.get(path)

    assert response.status_code == 200 and response.mimetype == "text/html"
    policy = directives(policy_text(response))
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'", f"'nonce-{nonce_of(policy_text(response))}'"]
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"] and policy["form-action"] == ["'self'"]


@pytest.mark.parametrize("path", MAP_PAGES)
def test_every_inline_script_of_a_map_page_carries_the_requests_nonce(client, city, path):
    response = client.get(path)
    scripts = scripts_of(response.get_data(as_text=True))

    code = inline_code(scripts)
    assert len(code) >= 2  # folium's switches in the head, the map script in the body
    assert {s.get("nonce") for s in code} == {nonce_of(policy_text(response))}


@pytest.mark.parametrize("path", PAGES)
def test_no_page_has_an_inline_event_handler_or_javascript_url(client, city, path):
    assert scripts_of(client.get(path).get_data(as_text=True)).handlers == []


def test_the_nonce_is_new_for_every_request(client, city):
    nonces = [nonce_of(policy_text(client.get("/"))) for _ in range(3)]

    assert len(set(nonces)) == 3
    assert all(len(nonce) >= 22 for nonce in nonces)  # at least 128 random bits


def test_no_page_allows_inline_script_or_eval(client, city):
    for path in PAGES:
        script_src = directives(policy_text(client.get(path)))["script-src"]
        assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src


@pytest.mark.parametrize("path", ["/api/layers", "/api/openapi.json", "/healthz",
                                  "/static/js/map.js", "/static/favicon.svg",
                                  "/static/lianchuang.css", "/feeds/changes.atom",
                                  "/api/layers/nowhere/features", "/nothing-here",
                                  "/static/nothing.js"])
def test_an_answer_that_is_not_a_page_may_load_and_run_nothing(client, city, path):
    assert policy_text(client.get(path)) == STRICT_POLICY


def test_the_error_page_carries_the_page_policy(database_url):
    closed = make_url(database_url).set(host="127.0.0.1", port=free_port())
    response = _app_with(closed.render_as_string(hide_password=False),
                         LIANCHUANG_TILES="none").get("/dashboard")

    assert response.status_code == 503 and response.mimetype == "text/html"
    assert directives(policy_text(response))["script-src"][0] == "'self'"
    assert "'nonce-" in policy_text(response)


@pytest.mark.parametrize(("tiles", "key", "hosts"), [
    ("osm", None, ["https://tile.openstreetmap.org"]),
    ("tianditu", "k3y", [f"https://t{n}.tianditu.gov.cn" for n in range(8)]),
    ("none", None, []),
])
def test_images_may_come_only_from_the_configured_tile_servers(database_url, clean_db, tiles,
                                                                key, hosts):
    client = _app_with(database_url, LIANCHUANG_TILES=tiles, TIANDITU_KEY=key)
    for path in ("/", "/green", "/inspection"):
        response = client.get(path)
        img_src = directives(policy_text(response))["img-src"]
        assert img_src == ["'self'", "data:", *hosts]
        assert _tile_hosts_in(response.get_data(as_text=True)) == set(hosts)


def _tile_hosts_in(html: str) -> set[str]:
    """The tile servers the page's Leaflet tile layers ask, each ``{s}`` expanded."""
    hosts = set()
    for url, subdomains in re.findall(r'L\.tileLayer\(\s*"([^"]+)".*?"subdomains": "([^"]*)"',
                                      html, flags=re.DOTALL):
        host = re.match(r"(https?://[^/]+)", url).group(1)
        hosts |= {host.replace("{s}", s) for s in subdomains} if "{s}" in host else {host}
    return hosts
