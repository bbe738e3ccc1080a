"""``/report`` and ``/track``: the public's phone pages (随手拍 · 问题上报, 进度查询).

Anyone may open them, whatever ``LIANCHUANG_READ`` says (:data:`api.auth.OPEN_ENDPOINTS`):
a citizen has no account.  The pages only render; their scripts (``report-page.js``,
``track-page.js``) drive the public API of :mod:`api.public_cases` and read the
categories from ``/api/case-categories``.
"""

from __future__ import annotations

import json

import marshmallow as ma
from flask import Response, current_app, render_template, request, url_for

from api import params
from api.i18n import page_language
from api.openapi import Blueprint
from layers import clock
from webmap import assets

bp = Blueprint("public_pages", __name__,
               description="The public's pages: report a problem, follow it by code.")

#: Where the report page's map opens before the phone gives its position: 西乡县城 (城关镇).
COUNTY_SEAT = (107.766, 32.985)


class PublicPageQuery(params.LangQuery):
    """``lang``; other parameters are ignored, not refused: a link shared in a chat app
    comes back with the app's own (WeChat adds ``from=singlemessage``)."""

    class Meta:
        unknown = ma.EXCLUDE


class TrackQuery(PublicPageQuery):
    code = params.Text(metadata={"description": "The tracking code to show at once."})


@bp.get("/report")
@bp.query(PublicPageQuery)
@bp.content(200, "The page", "text/html", schema={"type": "string"})
def report_page(query: dict) -> Response:
    """The public's report page

    随手拍 (HTML, for phones): choose the category, describe the problem, add a photo and
    the place, send without an account; the answer is a tracking code.
    """
    lang = page_language()
    tiles = [{"url": s.url, "attribution": s.attribution, "subdomains": s.subdomains,
              "max_zoom": s.max_zoom} for s in current_app.config["BASEMAP"].sources(lang)]
    static_root = url_for("webmap.static", filename="")
    return _page("public_report.html", "report-page", lang,
                 tiles=json.dumps(tiles, ensure_ascii=False), centre=json.dumps(COUNTY_SEAT),
                 leaflet_js=[url for _, url in assets.urls(assets.LEAFLET_JS, static_root)],
                 leaflet_css=[url for _, url in assets.urls(assets.LEAFLET_CSS, static_root)])


@bp.get("/track")
@bp.query(TrackQuery)
@bp.content(200, "The page", "text/html", schema={"type": "string"})
def track_page(query: dict) -> Response:
    """The public's tracking page

    进度查询 (HTML, for phones): the status and steps of a report by its tracking code,
    and its rating once closed.
    """
    return _page("public_track.html", "track-page", page_language(),
                 code=(query.get("code") or "").strip()[:16])


def _page(template: str, script: str, lang: str, **context) -> Response:
    static_root = url_for("webmap.static", filename="").rstrip("/")
    english = "en" if lang == "en" else None
    html = render_template(
        template, lang=lang, static_root=static_root,
        page_script=assets.module_url(script, static_root),
        css_url=url_for("webmap.static", filename="public.css"),
        api_root=request.script_root + "/api", zone=clock.zone().key,
        report_url=url_for("public_pages.report_page", lang=english),
        track_url=url_for("public_pages.track_page", lang=english),
        other_url=url_for(request.endpoint, lang="zh" if lang == "en" else "en",
                          code=context.get("code") or None), **context)
    return Response(html, mimetype="text/html")
