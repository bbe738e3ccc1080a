"""The service's own words in Chinese and English, from gettext catalogues, without Flask.

The catalogues are ``translations/<locale>/LC_MESSAGES/messages.po`` beside this module
(compiled ``.mo`` committed next to them); their msgids are the English text, extracted
from the Python, Jinja and JavaScript sources with ``pybabel extract -F babel.cfg``
(docs/i18n.md).  The Flask app reads the same directory through flask-babel; the CLI, the
feed and the page builders use :func:`translator` here, as ``_ = translator(lang).gettext``
so that ``pybabel extract`` finds the ``_("…")`` calls.  Names of layers, fields, statuses
and campaigns are not in the catalogues: the layer specs (:mod:`layers.storage.catalogue`) name them.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from babel.support import NullTranslations, Translations

#: The page languages, Chinese first (the default).
LANGUAGES = ("zh", "en")
#: Babel locale of each page language.  Chinese is zh_Hans_CN, the name Babel gives zh_CN
#: (with its script), so flask-babel finds the same directory as :func:`translator`.
LOCALES = {"zh": "zh_Hans_CN", "en": "en"}
TRANSLATIONS_DIR = Path(__file__).resolve().parent / "translations"
#: gettext's separator of a message context and its msgid in a compiled catalogue.
CONTEXT_SEPARATOR = "\x04"


def N_(msgid: str) -> str:
    """Marks *msgid* for extraction where it is translated later, by language."""
    return msgid


def check_language(lang: str) -> str:
    """*lang* if it is one of :data:`LANGUAGES`, else :class:`ValueError` naming them."""
    if lang not in LANGUAGES:
        raise ValueError(f"lang must be one of: {', '.join(LANGUAGES)}; got {lang!r}")
    return lang


@lru_cache(maxsize=None)
def translator(lang: str) -> NullTranslations:
    """The compiled catalogue of *lang* (``zh`` or ``en``) as a gettext translations object."""
    return Translations.load(str(TRANSLATIONS_DIR), [LOCALES[check_language(lang)]])


@lru_cache(maxsize=None)
def messages(lang: str) -> dict[str, str]:
    """Every translated message of *lang*, msgid (``context\\x04msgid``) to text, for scripts.

    Untranslated messages are left out: the script shows the msgid (the English) for them.
    """
    catalogue = translator(lang)
    return {msgid: text for msgid, text in getattr(catalogue, "_catalog", {}).items()
            if isinstance(msgid, str) and msgid and text and text != msgid}
