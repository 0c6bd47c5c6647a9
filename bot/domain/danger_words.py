"""Does a free-text message say that a danger sign is happening now?

A mother who types "出血了" or a parent who types "baby is having a fit" in the
middle of anything must be told to get care now, before any other answer. The
words are data (content/danger_words.toml), so a health worker who sees a new
phrasing can add it without a release.

Matching errs towards the emergency answer. Only three things hold it back:
a harmless look-alike ("牙龈出血", "nosebleed"), a plain negation right before
the word ("没有出血", "not bleeding"), and a question *about* danger signs with
nothing saying it is happening now ("what are the danger signs, like
bleeding?"). A message that says both ("I'm bleeding, is that a danger sign?")
still gets the emergency answer.
"""

from __future__ import annotations

import re
import string
import tomllib
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from bot.domain.locales import SUPPORTED_LOCALES as LOCALES
from bot.domain.negation import negated_before

DEFAULT_PATH = Path(__file__).resolve().parents[2] / "content" / "danger_words.toml"


class DangerWordsError(ValueError):
    """The word list is not safe to run with (a missing answer, source or term)."""


@dataclass(frozen=True)
class Language:
    locale: str
    word_mode: bool
    negation: frozenset[str]
    ignore: re.Pattern[str] | None
    education: re.Pattern[str] | None
    now: re.Pattern[str] | None


@dataclass(frozen=True)
class Sign:
    id: str
    sources: tuple[str, ...]
    terms: dict[str, re.Pattern[str]]  # locale -> pattern
    answers: dict[str, str]  # locale -> answer, with {emergency_number}

    def answer(self, locale: str, emergency_number: str) -> str:
        key = "en" if locale.replace("-", "_").split("_")[0].lower() == "en" else "zh_Hans"
        return self.answers[key].format(emergency_number=emergency_number)


@dataclass(frozen=True)
class DangerWords:
    languages: tuple[Language, ...]
    signs: tuple[Sign, ...]

    def sign(self, sign_id: str) -> Sign:
        return next(s for s in self.signs if s.id == sign_id)


def normalise(text: str) -> str:
    # NFKC folds full-width forms from Chinese keyboards; phones type a curly apostrophe.
    return unicodedata.normalize("NFKC", text).casefold().replace("\u2019", "'")


def _term_regex(term: str, word_mode: bool) -> str:
    wildcard = word_mode and term.endswith("*")
    words = term.rstrip("*").split()
    body = (r"[\s-]+" if word_mode else r"\s*").join(re.escape(w) for w in words)
    return body + r"[a-z']*" if wildcard else body


def _compile(terms: Iterable[str], word_mode: bool) -> re.Pattern[str] | None:
    ordered = sorted({normalise(t) for t in terms}, key=len, reverse=True)
    if not ordered:
        return None
    body = "|".join(_term_regex(t, word_mode) for t in ordered)
    if word_mode:
        return re.compile(rf"(?<![a-z0-9'])(?:{body})(?![a-z0-9])")
    return re.compile(body)


def _strings(table: dict[str, Any], key: str, where: str, *, required: bool = False) -> list[str]:
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise DangerWordsError(f"{where}: {key!r} must be a list of non-empty strings")
    if required and not value:
        raise DangerWordsError(f"{where}: {key!r} must not be empty")
    return value


def _check_answer(text: Any, where: str) -> str:
    if not isinstance(text, str) or not text.strip():
        raise DangerWordsError(f"{where}: needs an answer")
    fields = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    if fields - {"emergency_number"} or set(text) & set("<>&"):
        raise DangerWordsError(f"{where}: only {{emergency_number}}, and no < > &")
    return text


def load_danger_words(path: Path = DEFAULT_PATH) -> DangerWords:
    """Read and compile the lists; anything malformed fails here, at start-up."""
    with path.open("rb") as handle:
        data = tomllib.load(handle)
    languages = []
    for locale in LOCALES:
        table = data.get("languages", {}).get(locale)
        where = f"{path.name} [languages.{locale}]"
        if not isinstance(table, dict) or table.get("match") not in ("substring", "word"):
            raise DangerWordsError(f"{where}: needs match = 'substring' or 'word'")
        word_mode = table["match"] == "word"
        languages.append(
            Language(
                locale=locale,
                word_mode=word_mode,
                negation=frozenset(normalise(w) for w in _strings(table, "negation", where)),
                ignore=_compile(_strings(table, "ignore", where), word_mode),
                education=_compile(_strings(table, "education", where), word_mode),
                now=_compile(_strings(table, "now", where), word_mode),
            )
        )
    modes = {lang.locale: lang.word_mode for lang in languages}
    signs = []
    for raw in data.get("signs", []):
        sign_id = str(raw.get("id", ""))
        where = f"{path.name} signs[{sign_id or '?'}]"
        sources = tuple(_strings(raw, "sources", where, required=True))
        terms, answers = {}, {}
        for locale in LOCALES:
            table = raw.get(locale)
            if not isinstance(table, dict):
                raise DangerWordsError(f"{where}: needs a [{locale}] table")
            pattern = _compile(
                _strings(table, "terms", f"{where}.{locale}", required=True), modes[locale]
            )
            assert pattern is not None
            terms[locale] = pattern
            answers[locale] = _check_answer(table.get("answer"), f"{where}.{locale}")
        signs.append(Sign(sign_id, sources, terms, answers))
    ids = [s.id for s in signs]
    if not signs or len(ids) != len(set(ids)) or not all(ids):
        raise DangerWordsError(f"{path.name}: signs must be present, each with a unique id")
    return DangerWords(tuple(languages), tuple(signs))


@cache
def default_danger_words() -> DangerWords:
    return load_danger_words()


def _negated(text: str, start: int, language: Language) -> bool:
    return negated_before(text, start, word_mode=language.word_mode, negations=language.negation)


def _mentions(text: str, sign: Sign, languages: tuple[Language, ...]) -> bool:
    for language in languages:
        for match in sign.terms[language.locale].finditer(text):
            if not _negated(text, match.start(), language):
                return True
    return False


def _any(text: str, patterns: Iterable[re.Pattern[str] | None]) -> bool:
    return any(p is not None and p.search(text) for p in patterns)


def find_danger_signs(text: str, words: DangerWords | None = None) -> tuple[str, ...]:
    """The ids of the danger signs this message says are happening, in file order."""
    words = words or default_danger_words()
    text = normalise(text)
    for language in words.languages:
        if language.ignore is not None:
            text = language.ignore.sub(" ", text)
    found = tuple(s.id for s in words.signs if _mentions(text, s, words.languages))
    if not found:
        return ()
    asking_about = _any(text, (lang.education for lang in words.languages))
    happening = _any(text, (lang.now for lang in words.languages))
    return () if asking_about and not happening else found
