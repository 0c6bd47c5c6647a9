"""What a free-text message is about: a fever, and massage for a feverish or young child.

Parents took feverish children to massage (小儿推拿) venues when clinics turned them
away (seed 004). A message that mentions massage together with a fever or a child must
get the fever-clinic answer; massage alone (a pregnant woman with back pain) gets a
gentle answer instead of a warning. The word lists are data (content/intents.toml), so a
health worker who sees a new phrasing in the logs can add it without a release.

Matching leans towards the fever answer when unsure: sending a worried parent towards a
fever clinic costs little, missing a feverish child costs a lot. Only plain negations
("没有发烧", "no fever") and pregnancy talk about "宝宝"/"baby" (the unborn baby) pull the
other way, because both are common enough that ignoring them would make the bot nag.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path

from bot.domain.negation import negated_before
from bot.domain.text_readings import temperatures_celsius

DEFAULT_PATH = Path(__file__).resolve().parents[2] / "content" / "intents.toml"

_GROUPS = ("fever", "massage", "child", "child_or_fetus", "pregnancy")


class MassageIntent(StrEnum):
    NONE = "none"
    MASSAGE_WITH_FEVER_OR_CHILD = "massage_with_fever_or_child"
    MASSAGE_OTHER = "massage_other"
    # "孩子不发烧，可以推拿吗": a child, and a fever plainly denied: not the fever script.
    MASSAGE_CHILD_NO_FEVER = "massage_child_no_fever"


@dataclass(frozen=True)
class LanguageTerms:
    """One language's lists, compiled: each group is one pattern, longest terms first."""

    locale: str
    word_mode: bool
    patterns: dict[str, re.Pattern[str] | None]
    negation: frozenset[str]
    question: tuple[str, ...]
    ignore: tuple[str, ...]


@dataclass(frozen=True)
class Lexicon:
    languages: tuple[LanguageTerms, ...]
    fever_from_celsius: float
    normal_from_celsius: float


@dataclass(frozen=True)
class TextSignals:
    fever: bool
    massage: bool
    child: bool
    pregnancy: bool
    fever_denied: bool = False  # a fever word was there, but only negated ("没有发烧")


# --- loading ---------------------------------------------------------------------------------


def _term_regex(term: str, word_mode: bool) -> str:
    wildcard = word_mode and term.endswith("*")
    words = term.rstrip("*").split()
    joiner = r"[\s-]+" if word_mode else r"\s*"
    body = joiner.join(re.escape(word) for word in words)
    return body + r"[a-z]*" if wildcard else body


def _compile(terms: list[str], word_mode: bool) -> re.Pattern[str] | None:
    if not terms:
        return None
    ordered = sorted({_normalise(t) for t in terms}, key=len, reverse=True)
    body = "|".join(_term_regex(term, word_mode) for term in ordered)
    if word_mode:
        # ASCII boundaries, so "宝宝fever" still finds "fever" next to a Chinese character.
        return re.compile(rf"(?<![a-z0-9'])(?:{body})(?![a-z0-9])")
    return re.compile(body)


def _string_list(table: dict[str, object], key: str, where: str) -> list[str]:
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ValueError(f"{where}: {key!r} must be a list of non-empty strings")
    return value


def load_lexicon(path: Path = DEFAULT_PATH) -> Lexicon:
    """Read and compile the word lists; a malformed file fails here, at start-up."""
    with path.open("rb") as handle:
        data = tomllib.load(handle)
    temperature = data["temperature"]
    languages = []
    for locale, table in data.items():
        if not isinstance(table, dict) or "match" not in table:
            continue
        where = f"{path}: [{locale}]"
        if table["match"] not in ("substring", "word"):
            raise ValueError(f"{where}: match must be 'substring' or 'word'")
        word_mode = table["match"] == "word"
        languages.append(
            LanguageTerms(
                locale=locale,
                word_mode=word_mode,
                patterns={
                    group: _compile(_string_list(table, group, where), word_mode)
                    for group in _GROUPS
                },
                negation=frozenset(_normalise(w) for w in _string_list(table, "negation", where)),
                question=tuple(_normalise(w) for w in _string_list(table, "question", where)),
                ignore=tuple(_normalise(w) for w in _string_list(table, "ignore", where)),
            )
        )
    if not languages:
        raise ValueError(f"{path}: no language tables with a 'match' key")
    return Lexicon(
        languages=tuple(languages),
        fever_from_celsius=float(temperature["fever_from_celsius"]),
        normal_from_celsius=float(temperature["normal_from_celsius"]),
    )


@cache
def default_lexicon() -> Lexicon:
    return load_lexicon()


# --- detection -------------------------------------------------------------------------------


def _normalise(text: str) -> str:
    # NFKC folds full-width digits and ℃ (to °C) from Chinese keyboards.
    text = unicodedata.normalize("NFKC", text).casefold()
    return text.replace("\u2019", "'")


def _is_negated(text: str, start: int, language: LanguageTerms) -> bool:
    return negated_before(
        text,
        start,
        word_mode=language.word_mode,
        negations=language.negation,
        questions=language.question,
    )


def _groups_in(text: str, language: LanguageTerms) -> set[str]:
    """The word groups of one language that the (normalised) text mentions."""
    for phrase in language.ignore:
        text = text.replace(phrase, " ")
    found = set()
    for group, pattern in language.patterns.items():
        if pattern is None:
            continue
        if group == "fever":
            matches = list(pattern.finditer(text))
            if any(not _is_negated(text, m.start(), language) for m in matches):
                found.add(group)
            elif matches:
                found.add("fever_denied")
        elif pattern.search(text):
            found.add(group)
    return found


def read_signals(text: str, lexicon: Lexicon | None = None) -> TextSignals:
    """Which of fever, massage, child and pregnancy a message mentions, in any language."""
    lexicon = lexicon or default_lexicon()
    text = _normalise(text)
    groups = set().union(*(_groups_in(text, language) for language in lexicon.languages))
    pregnancy = "pregnancy" in groups
    fever = "fever" in groups or any(
        celsius >= lexicon.fever_from_celsius for celsius in temperatures_celsius(text)
    )
    return TextSignals(
        fever=fever,
        massage="massage" in groups,
        child="child" in groups or ("child_or_fetus" in groups and not pregnancy),
        pregnancy=pregnancy,
        fever_denied="fever_denied" in groups and not fever,
    )


def detect_fever_intent(text: str, lexicon: Lexicon | None = None) -> bool:
    """Whether the message speaks of a fever (a word, or a temperature at fever level)."""
    return read_signals(text, lexicon).fever


def classify_massage(text: str, lexicon: Lexicon | None = None) -> MassageIntent:
    """NONE without a massage word; with one, the fever script if a fever or child is named."""
    signals = read_signals(text, lexicon)
    if not signals.massage:
        return MassageIntent.NONE
    if signals.child and signals.fever_denied and not signals.fever:
        return MassageIntent.MASSAGE_CHILD_NO_FEVER
    if signals.fever or signals.child:
        return MassageIntent.MASSAGE_WITH_FEVER_OR_CHILD
    return MassageIntent.MASSAGE_OTHER
