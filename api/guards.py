"""What every request meets around its route: a bound on its body, for a write a token, and
the security headers of every answer.

Bodies are bounded per endpoint and refused with 413 from their declared length, before a
byte is read (Werkzeug's ``max_content_length``): a photo or an Open311 request with a photo
may carry the photo limit and some form fields, every other body a JSON document.  A write
(POST, PUT, PATCH, DELETE) needs a valid token before anything else is looked at, so a
caller without one learns that first (401), not that the body or If-Match was wrong; which
role it needs is each route's own business (403).  The what-if scenario (and its effect on
readiness) is a POST that writes nothing, open to readers like the indicators it recomputes.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable

from flask import Flask, current_app, g, request

from api.auth import current_user
from layers.tracking.accounts import NotAuthenticated
from layers.tracking.attachments import MAX_BYTES as PHOTO_BYTES

#: The largest body of any request not listed in :data:`BODY_LIMITS`: a JSON document.
JSON_BODY_BYTES = 1024 * 1024
#: The largest feature a client may write in one request (OGC API – Features Part 4).
FEATURE_BODY_BYTES = 8 * 1024 * 1024
#: The largest layer file uploaded in the browser (a file of 100,000 features and more).
UPLOAD_BODY_BYTES = 200 * 1024 * 1024
#: Endpoints whose bodies may be larger: an upload with its form fields.
BODY_LIMITS = {"photos.upload_photo": PHOTO_BYTES + 64 * 1024,
               "open311.create_request": PHOTO_BYTES + 64 * 1024,
               "public.file_report": PHOTO_BYTES + 64 * 1024,
               # one feature drawn or sent by GIS software: a river's many vertices
               "ogc.create_item": FEATURE_BODY_BYTES, "ogc.replace_item": FEATURE_BODY_BYTES,
               "ogc.update_item": FEATURE_BODY_BYTES,
               # a layer file: its dry run (api/uploads.py)
               "uploads.create_upload": UPLOAD_BODY_BYTES}
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: Writes open to anyone who may read: they store nothing (signing in and out check the
#: form's CSRF token themselves), or they are the public's own (a citizen's report, rate-
#: limited; its rating, by tracking code).
PUBLIC_WRITES = frozenset({"metrics.scenario", "readiness_whatif.scenario_effect",
                           "signin.sign_in", "signin.sign_out", "public.file_report",
                           "public.rate"})


def register_request_guards(app: Flask) -> None:
    """Bound every request's body and ask every write for a token, before its route runs."""

    @app.before_request
    def _guard():
        request.max_content_length = BODY_LIMITS.get(request.endpoint, JSON_BODY_BYTES)
        if (request.method in WRITE_METHODS and request.endpoint is not None
                and request.endpoint not in PUBLIC_WRITES and current_user() is None):
            how = ("send your key as api_key (Open311 GeoReport v2)"
                   if request.blueprint == "open311"
                   else "send it as 'Authorization: Bearer <token>'")
            raise NotAuthenticated(f"this needs a token: {how}; an admin issues one with "
                                   "`lianchuang user add` or `lianchuang user token`")


#: Headers every answer carries: no content sniffing (an upload is what its type says), no
#: framing by other sites, and no full URL (with its query) sent to other origins.  The
#: Content-Security-Policy comes on top: :func:`page_policy` for a page, else
#: :data:`STRICT_POLICY`.
SECURITY_HEADERS = {"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY",
                    "Referrer-Policy": "same-origin"}
#: The policy of every answer that is not a page (JSON, files, feeds, photos): nothing it
#: holds may load or run anything, nor be framed.
STRICT_POLICY = "default-src 'none'; frame-ancestors 'none'"


def page_policy(nonce: str, tile_origins: Iterable[str] = ()) -> str:
    """The Content-Security-Policy of a page whose inline scripts carry *nonce*.

    Scripts come from the service's own files or carry the nonce (folium's map script), and
    none may ``eval``; images from the service, the basemap's tile servers (*tile_origins*)
    and ``data:`` URLs (Leaflet blanks a tile it cancels with a ``data:`` GIF), nothing else
    from another origin.  Inline styles are allowed: folium's head, leaflet-measure
    (``setAttribute("style")``), the dashboard's colour dots and the printable reports write
    them, and a style runs no script.
    """
    return "; ".join([
        "default-src 'self'",
        f"script-src 'self' 'nonce-{nonce}'",
        "style-src 'self' 'unsafe-inline'",
        " ".join(["img-src 'self' data:", *tile_origins]),
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])


def csp_nonce() -> str:
    """This request's nonce for inline scripts: new for every request, the same all through
    it (the page's scripts and its Content-Security-Policy header)."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(18)
    return g.csp_nonce


def register_security_headers(app: Flask) -> None:
    """Add :data:`SECURITY_HEADERS` and a Content-Security-Policy to every answer."""

    @app.after_request
    def _headers(response):
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        policy = (page_policy(csp_nonce(), current_app.config["BASEMAP"].origins())
                  if response.mimetype == "text/html" else STRICT_POLICY)
        response.headers.setdefault("Content-Security-Policy", policy)
        return response
