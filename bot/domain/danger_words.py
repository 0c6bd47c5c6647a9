"""What a free-text message says is happening: danger signs, as the checklist's symptoms.

A mother who types "见红了" or a parent who types "孩子发烧抽筋了" in the middle of
anything must be told what to do before any other answer. The recogniser turns the
message into the same symptom codes the report checklist uses (content/triage/rules.toml),
plus any temperature, SpO2, age or week written in it, so triage decides the level, the
answer and the alert exactly as for a ticked checklist: one path.

The words are data (content/danger_words.toml): literal terms and regular-expression
patterns per language, after normalisation (NFKC, case folding, phone apostrophes), so a
health worker who sees a new phrasing can add it without a release.

Matching errs towards the emergency answer. What holds a sign back: a harmless look-alike
("牙龈出血", "leg cramp"), a negation right before it ("没有出血", "not bleeding"), a
question *about* danger signs with nothing saying it is happening now, a hypothetical
("如果破水了怎么办"), a clause about the distant past ("上一胎出过血"), and a question
about somebody else ("我朋友出血了正常吗"). A statement about somebody else still gets the
answer, but is flagged so that no report is stored under the writer's name.
"""

from __future__ import annotations

import re
import string
import tomllib
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from bot.domain.intents import default_lexicon
from bot.domain.locales import SUPPORTED_LOCALES as LOCALES
from bot.domain.negation import CLAUSE_BREAK, negated_before
from bot.domain.text_readings import TextReadings, readings_in_text

DEFAULT_PATH = Path(__file__).resolve().parents[2] / "content" / "danger_words.toml"
KINDS = ("pregnancy", "postpartum", "child")
_MARKERS = ("ignore", "education", "now", "hypothetical", "past", "other_person", "question")
_MARKERS += ("child", "baby", "pregnancy", "self")


class DangerWordsError(ValueError):
    """The word list is not safe to run with (a missing answer, source or term)."""


@dataclass(frozen=True)
class Language:
    locale: str
    word_mode: bool
    negation: frozenset[str]
    markers: Mapping[str, re.Pattern[str] | None]
    asking_forms: tuple[str, ...] = ()  # "是不是", "有没有": a question, not a denial

    def has(self, marker: str, text: str) -> bool:
        pattern = self.markers.get(marker)
        return pattern is not None and pattern.search(text) is not None


@dataclass(frozen=True)
class Sign:
    """A sign in words. `symptoms` maps a subject kind to its checklist symptom code."""

    id: str
    sources: tuple[str, ...]
    symptoms: Mapping[str, str]
    terms: Mapping[str, tuple[re.Pattern[str], ...]]  # locale -> literal terms, patterns
    answers: Mapping[str, str]  # locale -> the answer when no rule fits the subject

    @property
    def urgent(self) -> bool:
        return bool(self.answers)

    def answer(self, locale: str, emergency_number: str) -> str:
        key = "en" if locale.replace("-", "_").split("_")[0].lower() == "en" else "zh_Hans"
        return self.answers[key].format(emergency_number=emergency_number)


@dataclass(frozen=True)
class DangerWords:
    languages: tuple[Language, ...]
    signs: tuple[Sign, ...]

    def sign(self, sign_id: str) -> Sign:
        return next(s for s in self.signs if s.id == sign_id)


@dataclass(frozen=True)
class Findings:
    """What one message says, ready to become a triage Report for a subject."""

    signs: tuple[str, ...] = ()  # sign ids, in file order
    readings: TextReadings = field(default_factory=TextReadings)
    about_child: bool = False  # names a child, or a child's age
    about_baby: bool = False  # "宝宝", "baby": a child, or the unborn baby
    about_pregnancy: bool = False
    about_self: bool = False  # "我", "I", "my": the writer (unless a child or baby is named)
    other_person: bool = False  # a statement about someone else: answer, but store nothing

    def symptoms(self, kind: str, words: DangerWords | None = None) -> frozenset[str]:
        words = words or default_danger_words()
        return frozenset(
            words.sign(s).symptoms[kind] for s in self.signs if kind in words.sign(s).symptoms
        )

    def __bool__(self) -> bool:
        return bool(self.signs) or self.readings.any()


def normalise(text: str) -> str:
    # NFKC folds full-width forms from Chinese keyboards; phones type a curly apostrophe.
    return unicodedata.normalize("NFKC", text).casefold().replace("\u2019", "'")


# ----- loading ----------------------------------------------------------------------------


def _term_regex(term: str, word_mode: bool) -> str:
    wildcard = word_mode and term.endswith("*")
    words = term.rstrip("*").split()
    body = (r"[\s-]+" if word_mode else r"\s*").join(re.escape(w) for w in words)
    return body + r"[a-z']*" if wildcard else body


def _compile(terms: Iterable[str], word_mode: bool, patterns: Iterable[str] = ()) -> Any:
    ordered = sorted({normalise(t) for t in terms}, key=len, reverse=True)
    parts = [_term_regex(t, word_mode) for t in ordered] + list(patterns)
    if not parts:
        return None
    body = "|".join(f"(?:{p})" for p in parts)
    if word_mode:
        return re.compile(rf"(?<![a-z0-9'])(?:{body})(?![a-z0-9])")
    return re.compile(body)


def _strings(table: Mapping[str, Any], key: str, where: str, *, required: bool = False) -> list:
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


def _patterns(table: Mapping[str, Any], where: str) -> list[str]:
    patterns = _strings(table, "patterns", where)
    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as error:
            raise DangerWordsError(f"{where}: bad pattern {pattern!r}: {error}") from None
    return patterns


def _language(locale: str, table: Any, where: str) -> Language:
    if not isinstance(table, dict) or table.get("match") not in ("substring", "word"):
        raise DangerWordsError(f"{where}: needs match = 'substring' or 'word'")
    word_mode = table["match"] == "word"
    markers = {m: _compile(_strings(table, m, where), word_mode) for m in _MARKERS}
    negation = frozenset(normalise(w) for w in _strings(table, "negation", where))
    asking = tuple(normalise(w) for w in _strings(table, "asking_forms", where))
    return Language(locale, word_mode, negation, markers, asking)


def _sign(raw: Mapping[str, Any], modes: Mapping[str, bool], path: Path) -> Sign:
    sign_id = str(raw.get("id", ""))
    where = f"{path.name} signs[{sign_id or '?'}]"
    sources = tuple(_strings(raw, "sources", where, required=True))
    symptoms = raw.get("symptoms", {})
    if not isinstance(symptoms, dict) or not symptoms or not set(symptoms) <= set(KINDS):
        raise DangerWordsError(f"{where}: symptoms maps some of {KINDS} to checklist codes")
    terms, answers = {}, {}
    for locale in LOCALES:
        table = raw.get(locale)
        if not isinstance(table, dict):
            raise DangerWordsError(f"{where}: needs a [{locale}] table")
        literal = _strings(table, "terms", f"{where}.{locale}")
        patterns = _patterns(table, f"{where}.{locale}")
        if not literal and not patterns:
            raise DangerWordsError(f"{where}.{locale}: needs terms or patterns")
        terms[locale] = (_compile(literal, modes[locale], patterns),)
        if "answer" in table:
            answers[locale] = _check_answer(table["answer"], f"{where}.{locale}")
    if answers and set(answers) != set(LOCALES):
        raise DangerWordsError(f"{where}: an answer is needed in each of {LOCALES}, or none")
    return Sign(sign_id, sources, dict(symptoms), terms, answers)


def load_danger_words(path: Path = DEFAULT_PATH) -> DangerWords:
    """Read and compile the lists; anything malformed fails here, at start-up."""
    with path.open("rb") as handle:
        data = tomllib.load(handle)
    languages = tuple(
        _language(loc, data.get("languages", {}).get(loc), f"{path.name} [languages.{loc}]")
        for loc in LOCALES
    )
    modes = {lang.locale: lang.word_mode for lang in languages}
    signs = tuple(_sign(raw, modes, path) for raw in data.get("signs", []))
    ids = [s.id for s in signs]
    if not signs or len(ids) != len(set(ids)) or not all(ids):
        raise DangerWordsError(f"{path.name}: signs must be present, each with a unique id")
    return DangerWords(languages, signs)


@cache
def default_danger_words() -> DangerWords:
    return load_danger_words()


# ----- recognising ------------------------------------------------------------------------


def _clause(text: str, start: int, end: int) -> str:
    """The clause around a match: from the last break before it to the next after it."""
    before = CLAUSE_BREAK.split(text[:start])[-1]
    after = CLAUSE_BREAK.split(text[end:])[0]
    return before + text[start:end] + after


def _counts(text: str, match: re.Match[str], languages: tuple[Language, ...]) -> bool:
    """A mention that says the sign is present now, for the writer or someone near."""
    clause = _clause(text, match.start(), match.end())
    for language in languages:
        if negated_before(
            text,
            match.start(),
            word_mode=language.word_mode,
            negations=language.negation,
            questions=language.asking_forms,
        ):
            return False
        if language.has("past", clause) or language.has("hypothetical", clause):
            return False
    return True


def _mentioned(text: str, sign: Sign, languages: tuple[Language, ...]) -> bool:
    for language in languages:
        for pattern in sign.terms[language.locale]:
            if any(_counts(text, m, languages) for m in pattern.finditer(text)):
                return True
    return False


def recognise(text: str, words: DangerWords | None = None) -> Findings:
    """Every sign and reading this message says is present now."""
    words = words or default_danger_words()
    text = normalise(text)
    for language in words.languages:
        pattern = language.markers.get("ignore")
        if pattern is not None:
            text = pattern.sub(" ", text)

    def marked(marker: str) -> bool:
        return any(lang.has(marker, text) for lang in words.languages)

    readings = readings_in_text(text, normal_from_celsius=default_lexicon().normal_from_celsius)
    found = tuple(s.id for s in words.signs if _mentioned(text, s, words.languages))
    now = marked("now")
    asking = marked("question")
    if marked("education") and not now:
        found = ()  # a question about danger signs, for the health guide
    other = marked("other_person")
    if other and asking:
        found, readings = (), TextReadings()  # asking about someone else's symptom
    return Findings(
        signs=found,
        readings=readings,
        about_child=marked("child") or readings.age_days is not None,
        about_baby=marked("baby"),
        about_pregnancy=marked("pregnancy") or readings.gestation_days is not None,
        about_self=marked("self"),
        other_person=other,
    )


def find_danger_signs(text: str, words: DangerWords | None = None) -> tuple[str, ...]:
    """The ids of the signs this message says are present now, in file order."""
    return recognise(text, words).signs
