"""The triage vocabulary: levels, who a report is about, the report, and rules as data.

Shared by the loader (bot/domain/triage_load.py) and the assessment (bot/domain/triage.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import IntEnum
from typing import Any

from bot.domain.gestation import GestationalAge
from bot.domain.locales import SUPPORTED_LOCALES

LOCALES = SUPPORTED_LOCALES  # the triage texts' languages are the bot's
LABEL_LIMITS = {"zh_Hans": 20, "en": 30}  # what fits on a Telegram checklist button
KINDS = ("pregnancy", "postpartum", "child")
AUDIENCES = ("user", "staff")


class RulesError(ValueError):
    """The rules file is not safe to run: a missing source, text, symptom or a typo."""


class Level(IntEnum):
    """Ordered so that the highest level among matching rules wins with max()."""

    ROUTINE = 0
    PRIORITY_FOLLOW_UP = 1
    SEE_DOCTOR_TODAY = 2
    EMERGENCY = 3

    @property
    def code(self) -> str:
        return self.name.lower()


# ----- what comes in --------------------------------------------------------------------


@dataclass(frozen=True)
class Subject:
    """Who the report is about. `gestational_age` is as of the day of assessment and is
    used only when no due date is known. A string `risk_colours` is read as one colour."""

    kind: str
    due_date: date | None = None
    gestational_age: GestationalAge | None = None
    risk_colours: frozenset[str] = frozenset()
    birth_date: date | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"subject kind must be one of {KINDS}, not {self.kind!r}")
        colours = self.risk_colours
        colours = frozenset({colours}) if isinstance(colours, str) else frozenset(colours)
        object.__setattr__(self, "risk_colours", colours)


@dataclass(frozen=True)
class Report:
    """One self-report. `reported_on` is required for reports passed as history.

    `fever_days` / `symptom_days` answer "for how many days?" (today counts as day 1).
    `isolation` is None or "none" when not isolating; `test_result` e.g. "positive".
    `phq2` holds the two PHQ-2 answers, 0-3 each.
    """

    reported_on: date | None = None
    symptoms: frozenset[str] = frozenset()
    temperature_c: float | None = None
    spo2: float | None = None
    breathing_rate: int | None = None
    fever_days: int | None = None
    symptom_days: Mapping[str, int] = field(default_factory=dict)
    test_result: str | None = None
    isolation: str | None = None
    phq2: tuple[int, int] | None = None
    hours_since_urine: float | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "symptoms", frozenset(self.symptoms))
        if self.phq2 is not None:
            answers = tuple(self.phq2)
            if len(answers) != 2 or any(a not in (0, 1, 2, 3) for a in answers):
                raise ValueError("phq2 needs two answers, each 0-3")
            object.__setattr__(self, "phq2", answers)

    @property
    def phq2_total(self) -> int | None:
        return None if self.phq2 is None else sum(self.phq2)

    def days_of(self, symptom: str) -> int | None:
        return self.fever_days if symptom == "fever" else self.symptom_days.get(symptom)


@dataclass(frozen=True)
class Assessment:
    level: Level
    reasons: tuple[str, ...]  # rule ids, most severe first, then in file order
    priority_group: bool
    alert_staff: bool
    fever_clinic: bool  # caller shows fever-clinic directions (never a massage venue)
    delivery_hospital: bool  # caller shows the delivery hospital / emergency midwifery unit
    rules_version: str


# ----- rules as data --------------------------------------------------------------------


@dataclass(frozen=True)
class Text:
    """One text per locale; Chinese is the default for any other locale."""

    zh_Hans: str
    en: str

    def get(self, locale: str) -> str:
        return self.en if locale.replace("-", "_").split("_")[0].lower() == "en" else self.zh_Hans


@dataclass(frozen=True)
class Range:
    lt: float | None = None
    le: float | None = None
    gt: float | None = None
    ge: float | None = None
    if_unknown: bool = False

    def holds(self, value: float | None) -> bool:
        if value is None:
            return self.if_unknown
        return (
            (self.lt is None or value < self.lt)
            and (self.le is None or value <= self.le)
            and (self.gt is None or value > self.gt)
            and (self.ge is None or value >= self.ge)
        )


@dataclass(frozen=True)
class Lasting:
    """A symptom (or, for fever, a reading meeting `temperature_c`) lasting `days`."""

    symptom: str
    days: Range
    temperature_c: Range | None = None

    def counts(self, report: Report) -> bool:
        # A typed "for how many days" counts like the tick: she said she has it.
        days = report.days_of(self.symptom)
        if self.symptom in report.symptoms or (days is not None and days > 0):
            return True
        reading, criterion = report.temperature_c, self.temperature_c
        return criterion is not None and reading is not None and criterion.holds(reading)


@dataclass(frozen=True)
class BetterThenWorse:
    """Fever, then a normal reading, then fever again today, within a window of days."""

    within_days: int
    temperature_c: Range


@dataclass(frozen=True)
class Condition:
    symptoms_any: frozenset[str] = frozenset()
    any_symptom: bool | None = None
    ranges: Mapping[str, Range] = field(default_factory=dict)  # report/subject value -> range
    unknown: frozenset[str] = frozenset()  # values that must be missing (not measured)
    lasting: Lasting | None = None
    better_then_worse: BetterThenWorse | None = None
    priority_group: bool | None = None
    test_result_in: frozenset[str] = frozenset()
    isolated: bool | None = None
    any_of: tuple[Condition, ...] = ()


@dataclass(frozen=True)
class Rule:
    id: str
    applies_to: frozenset[str]
    level: Level
    sources: tuple[str, ...]
    when: Condition
    user: Text
    staff: Text
    fever_clinic: bool = False
    delivery_hospital: bool = False
    note: str = ""


@dataclass(frozen=True)
class Symptom:
    code: str
    applies_to: frozenset[str]
    label: Text


@dataclass(frozen=True)
class RiskColour:
    code: str
    rank: int
    name: Text
    meaning: Text


@dataclass(frozen=True)
class Rules:
    version: str
    last_reviewed: date
    fever_run_max_gap_days: int
    sources: Mapping[str, Mapping[str, Any]]
    symptoms: Mapping[str, Symptom]
    rules: tuple[Rule, ...]
    levels: Mapping[Level, Mapping[str, Text]]
    colours: Mapping[str, RiskColour]
    priority_colours: frozenset[str]
    priority_gestation_days: int

    def checklist(self, kind: str) -> tuple[Symptom, ...]:
        """The symptom buttons offered for a mother or a child, in file order."""
        return tuple(s for s in self.symptoms.values() if kind in s.applies_to)

    def rule(self, rule_id: str) -> Rule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)  # a reason stored under an older rules version

    def reason_text(
        self, rule_id: str, audience: str, locale: str, *, emergency_number: str
    ) -> str:
        """What a reason means, for the "user" or the "staff", in plain text."""
        rule = self.rule(rule_id)
        text = rule.user if audience == "user" else rule.staff
        return text.get(locale).format(emergency_number=emergency_number)

    def level_text(self, level: Level, audience: str, locale: str, *, emergency_number: str) -> str:
        return self.levels[level][audience].get(locale).format(emergency_number=emergency_number)
