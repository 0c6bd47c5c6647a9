"""Free text to triage: who a typed message is about, and what triage makes of it.

The recogniser (danger_words.py) says which signs and numbers a message holds; this module
decides whether it is about the mother (pregnant, or in the 42 days after a birth) or a
child, builds the same triage Report the checklist would have built (with the age,
temperature and week from the text, else from the profile), and assesses it with the
same rules. Pure: the caller passes the person as data and stores the result.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from bot.domain.danger_words import DangerWords, Findings, default_danger_words
from bot.domain.gestation import GestationalAge
from bot.domain.intents import default_lexicon
from bot.domain.triage import Assessment, Level, Report, Rules, Subject, assess

PREGNANCY, POSTPARTUM, CHILD = "pregnancy", "postpartum", "child"
# A registered child is the one meant when the age in the message is this close.
SAME_CHILD_DAYS = 45


@dataclass(frozen=True)
class Person:
    """What the profile says about the writer (all empty for someone not registered)."""

    pregnant: bool = False
    due_date: date | None = None
    risk_colours: frozenset[str] = frozenset()
    children: tuple[tuple[int, date], ...] = ()  # (child id, birth date)
    postpartum: bool = False  # gave birth no more than 42 days ago (domain/postpartum.py)

    @property
    def mother_kind(self) -> str:
        """The subject her own signs are triaged as: her pregnancy, or her after the birth."""
        return POSTPARTUM if self.postpartum and not self.pregnant else PREGNANCY

    @property
    def is_mother(self) -> bool:
        return self.pregnant or self.postpartum


@dataclass(frozen=True)
class TextTriage:
    subject: str
    child_id: int | None  # the registered child it is about, if any
    assessment: Assessment
    data: dict[str, Any]  # the report to store, in reports.DATA_KEYS terms
    fallback: tuple[str, ...] = ()  # urgent signs that no rule of the subject covers
    findings: Findings = field(default_factory=Findings)
    # False for the writer's own sign when she is neither pregnant nor after a birth (a
    # father, a grandmother): answered, but no subject of the ledger to keep it under.
    followed: bool = True

    @property
    def level(self) -> Level:
        return Level.EMERGENCY if self.fallback else self.assessment.level

    @property
    def storable(self) -> bool:
        """A report can be kept under the writer's name (not a friend; a known child)."""
        if self.findings.other_person or not self.followed:
            return False
        return self.subject in (PREGNANCY, POSTPARTUM) or self.child_id is not None


def _about_self(findings: Findings) -> bool:
    """The writer speaks of herself ("I fainted") and names no child or baby."""
    return findings.about_self and not (findings.about_child or findings.about_baby)


def _kinds(findings: Findings, person: Person, words: DangerWords) -> list[str]:
    mother = person.mother_kind
    child_ctx = findings.about_child or (
        findings.about_baby and (bool(person.children) or not person.pregnant)
    )
    preg_ctx = findings.about_pregnancy or _about_self(findings)
    if child_ctx and not preg_ctx:
        kinds = {CHILD}
    elif preg_ctx and not child_ctx:
        kinds = {mother}
    else:
        kinds = {mother} if person.is_mother else set()
        kinds |= {CHILD} if person.children else set()
        if not kinds and not findings.signs:
            return []  # a bare "38.5" from someone we know nothing about: no subject
        kinds = kinds or {mother, CHILD}
    for sign_id in findings.signs:
        only = set(words.sign(sign_id).symptoms)
        mothers_only, childs_only = CHILD not in only, only == {CHILD}
        if mothers_only and mother not in kinds:
            if not (child_ctx and not preg_ctx and not person.pregnant):
                kinds.add(mother)  # "宝宝不动了" from a mother is about the unborn baby
        if (
            childs_only
            and CHILD not in kinds
            and not (preg_ctx and not child_ctx)
            and (child_ctx or person.children or not person.pregnant)
        ):
            kinds.add(CHILD)
    return sorted(kinds)


def _child(findings: Findings, person: Person, today: date) -> tuple[int | None, date | None]:
    """The registered child meant (closest in age to the one written), and a birth date."""
    written = findings.readings.birth_date(today)
    if not person.children:
        return None, written
    if written is None:
        child_id, birth = max(person.children, key=lambda c: c[1])  # the youngest
        return child_id, birth
    child_id, birth = min(person.children, key=lambda c: abs((c[1] - written).days))
    if abs((birth - written).days) <= SAME_CHILD_DAYS:
        return child_id, birth
    return None, written


def _subject(kind: str, findings: Findings, person: Person, today: date) -> Subject:
    if kind == CHILD:
        return Subject(CHILD, birth_date=_child(findings, person, today)[1])
    if kind == POSTPARTUM:
        born = max((birth for _id, birth in person.children), default=None)
        return Subject(POSTPARTUM, birth_date=born)
    weeks = findings.readings.gestation_days
    age = GestationalAge(weeks // 7, weeks % 7) if weeks is not None else None
    return Subject(
        PREGNANCY,
        due_date=person.due_date,
        gestational_age=age,
        risk_colours=person.risk_colours,
    )


def _data(findings: Findings, kind: str, words: DangerWords) -> dict[str, Any]:
    readings = findings.readings
    data: dict[str, Any] = {"symptoms": sorted(findings.symptoms(kind, words))}
    for key in ("temperature_c", "spo2", "breathing_rate"):
        value = getattr(readings, key)
        if value is not None:
            data[key] = value
    if readings.days is not None:
        # "发烧5天了": the typed duration, as the report's "for how many days" answers.
        fever = (
            "fever" in data["symptoms"]
            or (readings.temperature_c or 0) >= default_lexicon().fever_from_celsius
        )
        if fever:
            data["fever_days"] = readings.days
        others = [s for s in data["symptoms"] if s != "fever"]
        if others:
            data["symptom_days"] = dict.fromkeys(others, readings.days)
    return data


def triage_text(
    findings: Findings,
    person: Person,
    rules: Rules,
    today: date,
    *,
    history: Iterable[Report] = (),
    words: DangerWords | None = None,
) -> TextTriage | None:
    """The most severe reading of the message for the subjects it may be about."""
    words = words or default_danger_words()
    if not findings:
        return None
    history = tuple(history)
    best: TextTriage | None = None
    for kind in _kinds(findings, person, words):
        data = _data(findings, kind, words)
        report = Report(
            reported_on=today,
            symptoms=frozenset(data["symptoms"]),
            temperature_c=data.get("temperature_c"),
            spo2=data.get("spo2"),
            breathing_rate=data.get("breathing_rate"),
            fever_days=data.get("fever_days"),
            symptom_days=data.get("symptom_days", {}),
        )
        assessment = assess(_subject(kind, findings, person, today), report, history, rules, today)
        fallback = tuple(
            s for s in findings.signs if words.sign(s).urgent and kind not in words.sign(s).symptoms
        )
        child_id = _child(findings, person, today)[0] if kind == CHILD else None
        followed = kind == CHILD or person.is_mother or not _about_self(findings)
        result = TextTriage(kind, child_id, assessment, data, fallback, findings, followed)
        # The most severe wins; at the same level, a rule's own answer beats a generic one.
        if best is None or (result.level, not result.fallback) > (best.level, not best.fallback):
            best = result
    return best
