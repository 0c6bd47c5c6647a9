"""Every user-facing string is translated, and the template matches the code."""

from __future__ import annotations

import pytest
from babel.messages.pofile import read_po, write_po

from bot.devtools import catalogs
from bot.i18n import Catalogs, negotiate_locale


def test_catalogs_are_complete_and_current() -> None:
    assert catalogs.check_catalogs() == []


def test_the_check_catches_an_untranslated_and_a_fuzzy_entry(tmp_path) -> None:
    import shutil

    shutil.copytree(catalogs.LOCALES_DIR, tmp_path / "locales")
    path = catalogs.po_path("zh_Hans", tmp_path / "locales")
    with path.open("rb") as fp:
        catalog = read_po(fp, locale="zh_Hans")
    messages = [m for m in catalog if m.id]
    messages[0].string = ""
    messages[1].flags.add("fuzzy")
    with path.open("wb") as fp:
        write_po(fp, catalog)
    problems = catalogs.check_catalogs(tmp_path / "locales")
    assert any("untranslated" in p for p in problems)
    assert any("fuzzy" in p for p in problems)


def test_the_check_catches_a_stale_template(tmp_path) -> None:
    import shutil

    shutil.copytree(catalogs.LOCALES_DIR, tmp_path / "locales")
    template = tmp_path / "locales" / "messages.pot"
    with template.open("rb") as fp:
        catalog = read_po(fp)
    catalog.delete(next(m.id for m in catalog if m.id))
    with template.open("wb") as fp:
        write_po(fp, catalog)
    assert any("out of date" in p for p in catalogs.check_catalogs(tmp_path / "locales"))


@pytest.mark.parametrize(
    ("saved", "telegram", "expected"),
    [
        ("en", "zh-hans", "en"),
        ("zh_Hans", "en-US", "zh_Hans"),
        (None, "zh-hans", "zh_Hans"),
        (None, "zh-TW", "zh_Hans"),
        (None, "en-GB", "en"),
        (None, "fr", "zh_Hans"),
        (None, None, "zh_Hans"),
        ("xx", "en", "en"),
    ],
)
def test_locale_choice(saved: str | None, telegram: str | None, expected: str) -> None:
    assert negotiate_locale(saved, telegram, "zh_Hans") == expected


def test_translations_load_from_po_without_a_compile_step() -> None:
    tr = Catalogs("zh_Hans").get("zh_Hans")
    assert tr.gettext("Choose your language:") == "请选择语言："
    assert Catalogs("zh_Hans").get(None).locale == "zh_Hans"
