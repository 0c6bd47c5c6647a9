"""Match what a user types to health-education topics by their keywords.

People ask in their own words ("how do I wash hands", or the Chinese for "how do
I wear a mask"), so every topic lists the words and phrases people use, per
locale, and this module finds the topics whose keywords occur in the message.
It is deliberately simple and predictable: a content author can tell why a
topic matched.

A keyword is one or more space-separated parts, and matches when every part
occurs in the message, in any order:

- a part containing Chinese characters occurs as a substring, since Chinese
  is written without spaces (two parts, "pregnant woman" and "fever
  medicine" in Chinese, need both);
- any other part is a word, compared after lower-casing and a light stemming
  that folds plurals and -ing/-ed forms ("hands", "washing" -> "hand", "wash").

Topics are ranked by how much of the message their keywords explain (the
characters of Chinese parts, one per word otherwise), then by menu order.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from typing import Protocol

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_WORD = re.compile(r"[a-z0-9]+")
_IRREGULAR = {"children": "child", "women": "woman", "men": "man", "feet": "foot", "teeth": "tooth"}
_MIN_STEM = 3


class SearchableTopic(Protocol):
    """What the search needs from a topic (bot.education.Topic fits)."""

    @property
    def id(self) -> str: ...

    @property
    def order(self) -> int: ...

    def keywords(self, locale: str) -> tuple[str, ...]: ...


def _normalize(text: str) -> str:
    """Fold full-width forms (a full-width N95) and case so input variants compare equal."""
    return unicodedata.normalize("NFKC", text).casefold()


def stem(word: str) -> str:
    """A crude English stem, applied identically to keywords and messages."""
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    if len(word) <= _MIN_STEM:
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "shes", "ches", "xes", "zes")):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    elif word.endswith("ing") and len(word) - 3 >= _MIN_STEM:
        word = _undouble(word[:-3])
    elif word.endswith("ed") and not word.endswith("eed") and len(word) - 2 >= _MIN_STEM:
        word = _undouble(word[:-2])
    if word.endswith("e") and not word.endswith("ee") and len(word) > _MIN_STEM:
        word = word[:-1]
    return word


def _undouble(word: str) -> str:
    """running -> runn -> run; keeps the doubled l, s and z of fill, kiss, buzz."""
    if len(word) > _MIN_STEM and word[-1] == word[-2] and word[-1] not in "aeiouslz":
        return word[:-1]
    return word


def _stems(text: str) -> frozenset[str]:
    return frozenset(stem(w) for w in _WORD.findall(text))


@functools.lru_cache(maxsize=8192)
def _parts(keyword: str) -> tuple[str | frozenset[str], ...]:
    """A keyword's parts as they are compared: Chinese ones as text, others as stems.
    Cached: the same few hundred keywords are asked about for every message."""
    return tuple(
        part if _CJK.search(part) else _stems(part) for part in _normalize(keyword).split()
    )


def keyword_score(keyword: str, normalized_text: str, text_stems: frozenset[str]) -> int:
    """How strongly one keyword matches a message; 0 unless every part occurs."""
    score = 0
    for part in _parts(keyword):
        if isinstance(part, str):
            if part not in normalized_text:
                return 0
            score += len(part)
        else:
            if not part or not part <= text_stems:
                return 0
            score += len(part)
    return score


def find_topics(text: str, locale: str, topics: Iterable[SearchableTopic]) -> list[str]:
    """Ids of the topics whose ``locale`` keywords occur in ``text``, best first.

    An empty list means nothing matched; the caller then shows the topic menu.
    """
    normalized = _normalize(text)
    text_stems = _stems(normalized)
    scored: list[tuple[int, int, str]] = []
    for topic in topics:
        score = sum(keyword_score(k, normalized, text_stems) for k in topic.keywords(locale))
        if score:
            scored.append((-score, topic.order, topic.id))
    return [topic_id for _, _, topic_id in sorted(scored)]
