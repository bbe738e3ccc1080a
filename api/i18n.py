"""The request's language: ``?lang=`` first, then the Accept-Language header, Chinese by default.

flask-babel reads the catalogues of :mod:`layers.i18n` (one directory for the app, the CLI
and the page builders) and gives the Jinja templates ``_``/``gettext``/``pgettext`` in the
request's locale; :func:`page_language` is the same choice as a page language code.
"""

from __future__ import annotations

from flask import Flask, request
from flask_babel import Babel

from layers.i18n import LANGUAGES, LOCALES, TRANSLATIONS_DIR, messages
from layers.serving.query import InvalidQuery


def page_language() -> str:
    """``zh`` or ``en``: ``?lang=`` when given (checked), else the browser's preference."""
    given = request.args.get("lang")
    if given is not None:
        if given not in LANGUAGES:
            raise InvalidQuery(f"lang must be one of: {', '.join(LANGUAGES)}; got {given!r}")
        return given
    return request.accept_languages.best_match(LANGUAGES, default=LANGUAGES[0])


def _locale() -> str:
    return LOCALES[page_language()]


def init_app(app: Flask) -> None:
    """flask-babel on *app*, reading the catalogues in ``layers/i18n/translations``."""
    app.config.setdefault("BABEL_DEFAULT_LOCALE", LOCALES[LANGUAGES[0]])
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS_DIR))
    Babel(app, locale_selector=_locale)
    app.jinja_env.globals["page_messages"] = messages
