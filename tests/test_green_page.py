"""The /green page as served: self-contained (no CDN, no tiles with LIANCHUANG_TILES=none),
in Chinese first and in English, its strings from the gettext catalogues (layers/i18n)."""

from __future__ import annotations

import json
import re

import pytest

from api.app import create_app
from layers.i18n import messages

pytest_plugins = ["tests.factories"]

ASSET = re.compile(r'(?:src|href)="([^"]+)"')


def config_of(page: str) -> dict:
    return json.loads(re.search(r'id="lc-page">(.*?)</script>', page).group(1))["config"]


def messages_of(page: str) -> dict:
    return json.loads(re.search(r'id="lc-messages">(.*?)</script>', page).group(1))


def test_every_script_and_stylesheet_is_local_and_served(client):
    page = client.get("/green").get_data(as_text=True)

    assets = ASSET.findall(page)
    assert {a.rsplit("/", 1)[-1] for a in assets} >= {"leaflet.js", "green.js", "green.css"}
    for asset in assets:
        assert asset.startswith("/"), asset
        assert client.get(asset).status_code == 200, asset


def test_without_tiles_the_page_asks_for_no_basemap(client):
    assert "{z}" not in client.get("/green").get_data(as_text=True)


def test_with_osm_tiles_the_page_draws_them_under_the_layers(database_url):
    app = create_app({"DATABASE_URL": database_url, "LIANCHUANG_TILES": "osm"})

    page = app.test_client().get("/green").get_data(as_text=True)

    assert "https://tile.openstreetmap.org/{z}/{x}/{y}.png" in page


def test_the_page_is_in_chinese_unless_english_is_asked_for(client):
    zh, en = (client.get(f"/green?lang={lang}").get_data(as_text=True) for lang in ("zh", "en"))

    assert config_of(zh)["lang"] == "zh" and messages_of(zh) == messages("zh")
    assert messages_of(zh)["Green-space indicators"] == "园林绿化指标"
    assert config_of(en)["lang"] == "en" and "Green-space indicators" not in messages_of(en)
    assert config_of(client.get("/green").get_data(as_text=True))["lang"] == "zh"


def test_a_title_in_the_query_is_the_first_shown(client):
    page = client.get("/green?title=national_garden").get_data(as_text=True)

    assert config_of(page)["title"] == "national_garden"


@pytest.mark.parametrize("query", ["lang=fr", "title=nope", "zoom=3"])
def test_a_bad_query_is_a_400(client, query):
    response = client.get(f"/green?{query}")

    assert response.status_code == 400
    assert set(response.get_json()) == {"error"}
