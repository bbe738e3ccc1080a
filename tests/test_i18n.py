"""The gettext catalogues (layers/i18n): complete in Chinese, compiled, and every page in
Chinese shows no English of ours."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from lxml import etree
from lxml import html as lxml_html

from layers.i18n import LOCALES, TRANSLATIONS_DIR, messages, translator
from tests.green_town import build_green_town

pytest_plugins = ["tests.factories"]

ROOT = Path(__file__).resolve().parents[1]
CATALOGUES = sorted(TRANSLATIONS_DIR.glob("*/LC_MESSAGES/messages.po"))
#: Latin words a Chinese page may show: brands, formats, units, the language switch.
ALLOWED = {"openstreetmap", "leaflet", "geojson", "gpx", "kml", "xlsx", "pdf", "csv", "html",
           "jpeg", "png", "excel", "atom", "api", "ogc", "json", "openapi", "english", "epsg",
           "cgcs", "km", "m", "ha", "min", "lianchuang", "lc", "id", "cjj", "gb", "xg", "eg", "g",
           "shapefile", "zip", "gpkg", "mib"}
WORD = re.compile(r"[A-Za-z][A-Za-z'-]+")
#: Not words of the UI: {placeholders} the script fills, and commands to type.
NOT_UI = re.compile(r"\{\w+\}|lianchuang(?: [a-z]+)+")
#: Not words of ours either: the test city's project codes and its actor, names of layers,
#: fields and files the report's method cites, and standards' codes (HJ 338-2018).
DATA = re.compile(r"\b[A-Z]{2}-\d+|\btest\b|[a-z0-9]+(?:[_/.][a-z0-9]+)+|\b[A-Z]{2,4} \d+"
                  r"|（(?:parks|green_spaces)）|图层 population")


def _po(path: Path):
    with path.open("rb") as f:
        return read_po(f)


def test_there_is_a_chinese_and_an_english_catalogue():
    assert {p.parent.parent.name for p in CATALOGUES} == set(LOCALES.values())


def test_every_message_has_a_chinese_translation():
    catalogue = _po(TRANSLATIONS_DIR / LOCALES["zh"] / "LC_MESSAGES" / "messages.po")

    untranslated = [m.id for m in catalogue if m.id and not m.string]
    assert untranslated == []
    assert messages("zh")["Dashboard"] == "工作看板"


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: p.parent.parent.name)
def test_the_compiled_catalogue_matches_its_po_file(po):
    """A .po edited without `pybabel compile` would serve the old words."""
    with po.with_suffix(".mo").open("rb") as f:
        compiled = read_mo(f)
    source = _po(po)

    assert ({(m.context, m.id): m.string for m in compiled if m.id and m.string}
            == {(m.context, m.id): m.string for m in source if m.id and m.string})


def test_every_message_of_the_code_is_in_the_catalogue():
    """A new _("…") in Python, a template or a script needs `pybabel extract` and `update`."""
    with (ROOT / "babel.cfg").open() as f:
        method_map, options_map = parse_mapping_cfg(f)
    in_code = {(context, msgid if isinstance(msgid, str) else msgid[0])
               for folder in ("api", "webmap", "layers")
               for _, _, msgid, _, context in extract_from_dir(ROOT / folder, method_map,
                                                               options_map)}
    catalogue = _po(TRANSLATIONS_DIR / LOCALES["zh"] / "LC_MESSAGES" / "messages.po")

    assert in_code - {(m.context, m.id) for m in catalogue if m.id} == set()


def test_a_message_is_translated_in_its_context():
    zh = translator("zh")

    assert zh.pgettext("dashboard", "Overdue") == "逾期项目"
    assert zh.gettext("Overdue") == "逾期"


def _visible_words(page: str) -> set[str]:
    tree = lxml_html.fromstring(page)
    # Scripts, styles, code (ids, media types, URIs) and notes the page marks as English
    # (the thresholds' sources).
    for node in tree.xpath("//script|//style|//code|//*[@lang='en']"):
        node.drop_tree()
    return _words(tree.xpath("//text()")
                  + tree.xpath("//@title|//@placeholder|//@aria-label|//@alt"))


def _words(texts: list[str]) -> set[str]:
    return {w for text in texts for w in WORD.findall(DATA.sub("", NOT_UI.sub("", text)))
            if w.lower() not in ALLOWED}


@pytest.mark.parametrize("path", ["/", "/green", "/inspection", "/dashboard", "/ogc?f=html",
                                  "/ogc/collections?f=html", "/ogc/conformance?f=html",
                                  "/report", "/track", "/readiness"])
def test_a_chinese_page_shows_no_english_of_ours(client, city, path):
    page = client.get(path).get_data(as_text=True)

    assert _visible_words(page) == set()


def test_the_chinese_feed_shows_no_english_of_ours(client, city):
    feed = etree.fromstring(client.get("/feeds/changes.atom").get_data())
    texts = [node.text or "" for node in feed.iter() if etree.QName(node).localname
             in ("title", "content", "name")]

    assert texts and _words(texts) == set()


def test_the_report_shows_no_english_of_ours(client, clean_db):
    build_green_town(clean_db)
    page = client.get("/api/metrics/green/report?title=national_garden_old")

    assert page.status_code == 200 and _visible_words(page.get_data(as_text=True)) == set()


@pytest.mark.parametrize("path", ["/", "/green", "/inspection", "/report", "/track"])
def test_the_scripts_messages_are_all_chinese(client, path):
    page = client.get(path).get_data(as_text=True)
    block = json.loads(re.search(r'id="lc-messages">(.*?)</script>', page).group(1))

    assert block and {w for text in block.values() for w in WORD.findall(NOT_UI.sub("", text))
                      if w.lower() not in ALLOWED} == set()

