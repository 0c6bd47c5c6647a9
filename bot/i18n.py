"""Babel gettext catalogs and the choice of a user's language.

English msgids are the source; `locales/<locale>/LC_MESSAGES/messages.po`
holds each translation. Compiled `.mo` files are used when they are up to
date, otherwise the `.po` is compiled in memory, so a fresh checkout runs
without a build step and a stale `.mo` can never hide a new translation.
"""

from __future__ import annotations

import gettext
from dataclasses import dataclass
from datetime import date
from io import BytesIO
from pathlib import Path

from babel.dates import format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from bot.config import SUPPORTED_LOCALES

LOCALES_DIR = Path(__file__).resolve().parents[1] / "locales"
DOMAIN = "messages"

LANGUAGE_NAMES = {"zh_Hans": "中文", "en": "English"}


def N_(message: str) -> str:
    """Mark a string for extraction where it is defined; translate it where it is shown."""
    return message


def _load(locale: str, locales_dir: Path) -> gettext.NullTranslations:
    po = locales_dir / locale / "LC_MESSAGES" / f"{DOMAIN}.po"
    mo = po.with_suffix(".mo")
    if mo.exists() and (not po.exists() or mo.stat().st_mtime >= po.stat().st_mtime):
        with mo.open("rb") as fp:
            return Translations(fp, domain=DOMAIN)
    if not po.exists():
        return gettext.NullTranslations()
    with po.open("rb") as fp:
        catalog = read_po(fp, locale=locale)
    buffer = BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)


@dataclass(frozen=True)
class Translator:
    """Translations for one locale; handlers bind `_ = translator.gettext`."""

    locale: str
    translations: gettext.NullTranslations

    def gettext(self, message: str) -> str:
        return self.translations.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.translations.ngettext(singular, plural, n)


class Catalogs:
    """All supported locales, loaded once at start."""

    def __init__(self, default_locale: str, locales_dir: Path = LOCALES_DIR) -> None:
        self.default_locale = default_locale
        self._translators = {
            locale: Translator(locale, _load(locale, locales_dir)) for locale in SUPPORTED_LOCALES
        }

    def get(self, locale: str | None) -> Translator:
        return self._translators.get(locale or "", self._translators[self.default_locale])

    def every_translation(self, message: str) -> set[str]:
        """`message` in every language: to recognise a button label whatever the locale."""
        return {t.gettext(message) for t in self._translators.values()}


def negotiate_locale(saved: str | None, language_code: str | None, default: str) -> str:
    """The user's saved choice, else Telegram's language_code, else the default."""
    if saved in SUPPORTED_LOCALES:
        return saved
    code = (language_code or "").lower().replace("_", "-")
    if code.startswith("zh"):
        return "zh_Hans"
    if code.startswith("en"):
        return "en"
    return default


def format_day(day: date, locale: str) -> str:
    """A date as people of this locale write it (2027年1月10日, January 10, 2027)."""
    return format_date(day, format="long", locale=locale)
