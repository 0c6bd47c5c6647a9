"""Triage of one self-report: which danger signs does it show, and how urgent is it?

Every threshold lives in content/triage/rules.toml so a health authority can change it
without code; this module only checks rules against a report (the vocabulary is in
triage_model.py, reading the file in triage_load.py). `assess` is pure (no clock, no
storage): the caller passes `today` and the recent history.

The outcome names *signs* (rule ids), never a condition: the bot does not diagnose.

Staff alert policy: staff are alerted when the level is PRIORITY_FOLLOW_UP or higher, that
is for an emergency, for see-a-doctor-today, for a positive PHQ-2, for any report from a
mother in the priority group (orange/red/purple or gestation >= 37+0, from
risk_colours.toml) and for a pregnant woman's positive test. A routine report from anyone
else is not an alert.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from bot.domain.children import child_age
from bot.domain.gestation import gestational_age
from bot.domain.triage_load import DEFAULT_RULES_PATH, gestation_days, load_rules
from bot.domain.triage_model import (
    AUDIENCES,
    KINDS,
    LABEL_LIMITS,
    LOCALES,
    Assessment,
    BetterThenWorse,
    Condition,
    Lasting,
    Level,
    Range,
    Report,
    RiskColour,
    Rule,
    Rules,
    RulesError,
    Subject,
    Symptom,
    Text,
)

__all__ = [
    "AUDIENCES",
    "DEFAULT_RULES_PATH",
    "KINDS",
    "LABEL_LIMITS",
    "LOCALES",
    "Assessment",
    "BetterThenWorse",
    "Condition",
    "Lasting",
    "Level",
    "Range",
    "Report",
    "RiskColour",
    "Rule",
    "Rules",
    "RulesError",
    "Subject",
    "Symptom",
    "Text",
    "assess",
    "gestation_days",
    "load_rules",
]

# ----- the assessment -------------------------------------------------------------------


@dataclass(frozen=True)
class _Facts:
    """Everything a condition may look at, computed once per assessment."""

    report: Report
    history: tuple[Report, ...]  # dated, not after today, newest first
    today: date
    values: Mapping[str, float | None]
    priority_group: bool
    max_gap_days: int


def assess(
    subject: Subject, report: Report, history: Iterable[Report], rules: Rules, today: date
) -> Assessment:
    """Check every rule for the subject's kind; the most severe matching level wins."""
    gestation = _gestation_days(subject, today)
    birth = subject.birth_date if subject.kind == "child" else None
    priority = subject.kind == "pregnancy" and (
        bool(subject.risk_colours & rules.priority_colours)
        or (gestation is not None and gestation >= rules.priority_gestation_days)
    )
    dated = [h for h in history if h.reported_on is not None and h.reported_on <= today]
    facts = _Facts(
        report=report,
        history=tuple(sorted(dated, key=lambda h: h.reported_on, reverse=True)),
        today=today,
        values={
            "temperature_c": report.temperature_c,
            "spo2": report.spo2,
            "breathing_rate": report.breathing_rate,
            "hours_since_urine": report.hours_since_urine,
            "phq2_total": report.phq2_total,
            "gestation": gestation,
            "age_months": None if birth is None else child_age(birth, today).months,
        },
        priority_group=priority,
        max_gap_days=rules.fever_run_max_gap_days,
    )
    matched = [r for r in rules.rules if subject.kind in r.applies_to and _holds(r.when, facts)]
    matched.sort(key=lambda r: r.level, reverse=True)  # stable: file order within a level
    level = matched[0].level if matched else Level.ROUTINE
    return Assessment(
        level=level,
        reasons=tuple(r.id for r in matched),
        priority_group=priority,
        alert_staff=level >= Level.PRIORITY_FOLLOW_UP,
        fever_clinic=any(r.fever_clinic for r in matched),
        delivery_hospital=any(r.delivery_hospital for r in matched),
        rules_version=rules.version,
    )


def _gestation_days(subject: Subject, today: date) -> int | None:
    if subject.kind != "pregnancy":
        return None
    if subject.due_date is not None:
        return gestational_age(subject.due_date, today).total_days
    return subject.gestational_age.total_days if subject.gestational_age else None


def _holds(when: Condition, f: _Facts) -> bool:
    report = f.report
    return (
        (not when.symptoms_any or bool(when.symptoms_any & report.symptoms))
        and (when.any_symptom is None or bool(report.symptoms) == when.any_symptom)
        and all(rng.holds(f.values[name]) for name, rng in when.ranges.items())
        and (when.lasting is None or when.lasting.days.holds(_days_lasting(when.lasting, f)))
        and (when.better_then_worse is None or _better_then_worse(when.better_then_worse, f))
        and (when.priority_group is None or f.priority_group == when.priority_group)
        and (not when.test_result_in or report.test_result in when.test_result_in)
        and all(f.values[name] is None for name in when.unknown)
        and (when.isolated is None or (report.isolation not in (None, "", "none")) == when.isolated)
        and (not when.any_of or any(_holds(c, f) for c in when.any_of))
    )


def _episode_start(report: Report, on: date, symptom: str) -> date:
    days = report.days_of(symptom)
    return on - timedelta(days=days - 1) if days and days > 0 else on


def _days_lasting(lasting: Lasting, f: _Facts) -> int:
    """Days (inclusive) since the start of an unbroken run of reports showing the symptom.

    0 when today's report does not show it: a fever that has stopped is not lasting.
    """
    if not lasting.counts(f.report):
        return 0
    start = _episode_start(f.report, f.today, lasting.symptom)
    newest = f.today
    for past in f.history:
        if (newest - past.reported_on).days > f.max_gap_days or not lasting.counts(past):
            break
        start = min(start, _episode_start(past, past.reported_on, lasting.symptom))
        newest = past.reported_on
    return (f.today - start).days + 1


def _better_then_worse(btw: BetterThenWorse, f: _Facts) -> bool:
    def fever(r: Report) -> bool:
        reading = r.temperature_c
        return "fever" in r.symptoms or (reading is not None and btw.temperature_c.holds(reading))

    def normal(r: Report) -> bool:
        reading = r.temperature_c
        return "fever" not in r.symptoms and reading is not None and not fever(r)

    if not fever(f.report):
        return False
    had_fever = False
    for past in reversed(f.history):  # oldest first
        if (f.today - past.reported_on).days > btw.within_days:
            continue
        if fever(past):
            had_fever = True
        elif had_fever and normal(past):
            return True
    return False
