"""Keeping the gettext catalogs in step with the code.

`python -m bot i18n update` extracts every `_()`/`N_()` string into
`locales/messages.pot`, merges it into each locale's `.po` (English is the
source language, so its entries are filled with the msgid), and lists what
still needs a translator. The tests call `check_catalogs()`.
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from bot.config import SUPPORTED_LOCALES
from bot.i18n import DOMAIN, LOCALES_DIR

ROOT = LOCALES_DIR.parent
SOURCE_LOCALE = "en"
TEMPLATE = LOCALES_DIR / f"{DOMAIN}.pot"
FIXED_DATE = datetime(2026, 1, 1, tzinfo=UTC)
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}


def po_path(locale: str, locales_dir: Path = LOCALES_DIR) -> Path:
    return locales_dir / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


def extract_template() -> Catalog:
    """Every translatable string in bot/, as Babel's extractor sees it."""
    catalog = Catalog(project="mch-bot", charset="utf-8", fuzzy=False)
    method_map = [("**.py", "python")]
    for filename, lineno, message, comments, context in extract_from_dir(
        str(ROOT / "bot"), method_map=method_map, keywords=KEYWORDS, strip_comment_tags=True
    ):
        catalog.add(
            message,
            None,
            [(f"bot/{filename}", lineno)],
            auto_comments=comments,
            context=context,
        )
    return catalog


def _read(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as fp:
        return read_po(fp, locale=locale)


def _write(path: Path, catalog: Catalog) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fp:
        # No line numbers and a fixed date: catalogs change only when strings do.
        catalog.creation_date = FIXED_DATE
        write_po(fp, catalog, width=100, sort_output=True, include_lineno=False)


@contextmanager
def _catalog_lock() -> Iterator[None]:
    """Several people (or agents) updating catalogs at once must not drop each other's work."""
    LOCALES_DIR.mkdir(exist_ok=True)
    with (LOCALES_DIR / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def update_catalogs(translations: dict[str, dict[str, str]] | None = None) -> None:
    """Re-extract, merge, and apply `translations` ({locale: {msgid: msgstr}}), locked."""
    with _catalog_lock():
        _update(translations or {})


def _update(translations: dict[str, dict[str, str]]) -> None:
    template = extract_template()
    _write(TEMPLATE, template)
    for locale in SUPPORTED_LOCALES:
        path = po_path(locale)
        if path.exists():
            catalog = _read(path, locale)
        else:
            catalog = Catalog(locale=locale, project="mch-bot")
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        given = translations.get(locale, {})
        for message in catalog:
            if message.id in given:
                message.string = given[message.id]
                message.flags.discard("fuzzy")
        if locale == SOURCE_LOCALE:
            for message in catalog:
                if message.id:
                    message.string = message.id
                    message.flags.discard("fuzzy")
        _write(path, catalog)


def compile_catalogs() -> None:
    for locale in SUPPORTED_LOCALES:
        path = po_path(locale)
        catalog = _read(path, locale)
        with path.with_suffix(".mo").open("wb") as fp:
            write_mo(fp, catalog)


def _ids(catalog: Catalog) -> set[object]:
    return {m.id for m in catalog if m.id}


def check_catalogs(locales_dir: Path = LOCALES_DIR) -> list[str]:
    """Problems that must fail the build: stale template, missing or fuzzy translations."""
    problems: list[str] = []
    code_ids = _ids(extract_template())
    template_path = locales_dir / f"{DOMAIN}.pot"
    if not template_path.exists():
        return [f"{template_path} is missing: run `python -m bot i18n update`"]
    template_ids = _ids(_read(template_path))
    if code_ids != template_ids:
        added = len(code_ids - template_ids)
        removed = len(template_ids - code_ids)
        problems.append(
            f"{template_path.name} is out of date with the code ({added} new, {removed} gone): "
            "run `python -m bot i18n update`"
        )
    for locale in SUPPORTED_LOCALES:
        path = po_path(locale, locales_dir)
        if not path.exists():
            problems.append(f"{path} is missing")
            continue
        catalog = _read(path, locale)
        missing = code_ids - _ids(catalog)
        if missing:
            problems.append(f"{locale}: {len(missing)} strings not in the catalog")
        for message in catalog:
            if not message.id:
                continue
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            if message.fuzzy:
                problems.append(f"{locale}: fuzzy: {_short(message.id)}")
            elif not all(strings):
                problems.append(f"{locale}: untranslated: {_short(message.id)}")
    return problems


def _short(message_id: object) -> str:
    text = message_id[0] if isinstance(message_id, tuple) else str(message_id)
    return text[:70]
