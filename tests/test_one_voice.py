"""One voice per language: 您 throughout in Chinese, and one name for community staff.

The seed notice calls them 医务人员 (社区医务人员 for those of a community); in English
the bot says "community health worker". Every other variant that crept in over time
(社区医护人员, 社区卫生工作人员, 社区工作人员, 社区医生, "community health staff",
"community staff") fails here, in the catalogs and in the content texts alike.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
# Phrases people type, not the bot's words: danger signs and greetings are matched, not said.
USER_WORDS = {"danger_words.toml", "intents.toml"}

ZH_VARIANTS = re.compile(
    r"社区医护人员|社区卫生工作人员|社区工作人员|社区医生|医护人员|社区的工作人员"
)
EN_VARIANTS = re.compile(
    r"community (health )?staff|community (doctor|team|worker)|(?<!community )health worker",
    re.IGNORECASE,
)


# English texts owned by other branches that still need rewording: none are left, and
# nothing may be added.
OWNED_ELSEWHERE: set[str] = set()


def catalog_texts(locale: str) -> Iterator[tuple[str, str]]:
    path = ROOT / "locales" / locale / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as fp:
        for message in read_po(fp, locale=locale):
            if message.id and isinstance(message.string, str):
                yield str(message.id), message.string


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def content_texts() -> Iterator[tuple[str, str]]:
    for path in sorted((ROOT / "content").rglob("*.toml")):
        if path.name in USER_WORDS:
            continue
        with path.open("rb") as fp:
            for text in _strings(tomllib.load(fp)):
                yield str(path.relative_to(ROOT)), text


def test_chinese_says_nin_never_ni() -> None:
    informal = [
        (where, text)
        for where, text in [*catalog_texts("zh_Hans"), *content_texts()]
        if "你" in text
    ]
    assert informal == []


def test_chinese_has_one_name_for_community_staff() -> None:
    found = [
        (where, text)
        for where, text in [*catalog_texts("zh_Hans"), *content_texts()]
        if ZH_VARIANTS.search(text)
    ]
    assert found == []


def test_english_has_one_name_for_community_staff() -> None:
    found = [
        (msgid, text)
        for msgid, text in catalog_texts("en")
        if EN_VARIANTS.search(text) and msgid not in OWNED_ELSEWHERE
    ]
    found += [(where, text) for where, text in content_texts() if EN_VARIANTS.search(text)]
    assert found == []


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        ("请联系社区医护人员", ZH_VARIANTS),
        ("your community health staff", EN_VARIANTS),
        ("your health worker", EN_VARIANTS),
    ],
)
def test_the_guard_catches_each_variant(text: str, pattern: re.Pattern[str]) -> None:
    assert pattern.search(text)
    assert not pattern.search("社区医务人员 / your community health worker")


def test_english_texts_hold_no_chinese_but_the_language_name() -> None:
    """An English reader never meets a Chinese word, except 中文 on the language switch."""
    cjk = re.compile(r"[\u4e00-\u9fff]")
    found = [msgid for msgid, text in catalog_texts("en") if cjk.search(text.replace("中文", ""))]
    assert found == []
