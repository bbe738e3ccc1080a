"""Rendering pages in the base template outside Flask: the folium map pages.

Flask renders its own templates (the dashboard, the report) with flask-babel; the map pages
are built by folium in plain Python, so they get a Jinja environment here whose ``_``,
``gettext`` and ``pgettext`` read the catalogues of :mod:`layers.i18n`.

folium writes the map as inline script (its header's switches, the script building the
map); a page served under a Content-Security-Policy gives each of them the request's nonce
(*script_nonce*), so that no other inline script can run.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from branca.element import Figure
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape

from layers.i18n import messages, translator

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"


@lru_cache(maxsize=None)
def environment(lang: str) -> Environment:
    """The Jinja environment of the base templates, translating into *lang*."""
    env = Environment(loader=FileSystemLoader(TEMPLATES_DIR), autoescape=select_autoescape(),
                      extensions=["jinja2.ext.i18n"])
    env.install_gettext_translations(translator(lang), newstyle=True)
    env.globals["page_messages"] = messages
    return env


def render_map_page(figure: Figure, *, lang: str, title: str, static_root: str,
                    page_script: str, script_nonce: str | None = None) -> str:
    """The HTML page of folium's *figure* in the base template, started by *page_script*;
    its inline scripts carry *script_nonce* (the page's CSP nonce) when one is given."""
    for child in figure._children.values():
        child.render()
    return environment(lang).get_template("map.html").render(
        lang=lang, title=title, static_root=static_root.rstrip("/"), page_script=page_script,
        script_nonce=script_nonce,
        folium_header=_with_nonce(figure.header.render(), script_nonce),
        folium_html=_with_nonce(figure.html.render(), script_nonce),
        folium_script=Markup(figure.script.render()))


def _with_nonce(html: str, nonce: str | None) -> Markup:
    """folium's *html* with *nonce* on its inline scripts (``<script>`` with no attribute:
    one with ``src`` or a ``type`` is loaded from a file or is data, and needs none)."""
    if nonce:
        html = html.replace("<script>", f'<script nonce="{escape(nonce)}">')
    return Markup(html)
