"""Small talk: a message that only greets or thanks, in any supported language.

A first-time user often starts with a hello ("hi", or its Chinese) and ends with a thank
you: answering "I did not understand" to that feels cold. Only the whole message counts (after
punctuation, spaces and emoji are dropped), so a greeting followed by a question
or a danger sign is handled as that question. The phrases are data in
content/intents.toml (`greeting`, `thanks` in each language table).
"""

from __future__ import annotations

import tomllib
import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path

from bot.domain.intents import DEFAULT_PATH


class SmallTalk(StrEnum):
    GREETING = "greeting"
    THANKS = "thanks"


@dataclass(frozen=True)
class Phrases:
    by_kind: dict[SmallTalk, frozenset[str]]


def _key(text: str) -> str:
    """Letters and digits only, case-folded: "你好！" and "Hi :)" become "你好" and "hi"."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in folded if ch.isalnum())


def load_phrases(path: Path = DEFAULT_PATH) -> Phrases:
    """Every language's greeting and thanks lists; a malformed list fails at start-up."""
    with path.open("rb") as handle:
        data = tomllib.load(handle)
    found: dict[SmallTalk, set[str]] = {kind: set() for kind in SmallTalk}
    for locale, table in data.items():
        if not isinstance(table, dict) or "match" not in table:
            continue
        for kind in SmallTalk:
            terms = table.get(kind.value, [])
            if not isinstance(terms, list) or not all(
                isinstance(t, str) and _key(t) for t in terms
            ):
                raise ValueError(f"{path}: [{locale}] {kind.value!r} must list non-empty phrases")
            found[kind].update(_key(t) for t in terms)
    return Phrases({kind: frozenset(terms) for kind, terms in found.items()})


@cache
def default_phrases() -> Phrases:
    return load_phrases()


def small_talk(text: str, phrases: Phrases | None = None) -> SmallTalk | None:
    """GREETING or THANKS when that is all the message says, else None."""
    key = _key(text)
    if not key:
        return None
    for kind, terms in (phrases or default_phrases()).by_kind.items():
        if key in terms:
            return kind
    return None
