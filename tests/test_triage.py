"""Triage of self-reports against the rules in content/triage (BRIEF sections 3 and 4).

Each threshold is checked on both sides of its boundary; the last tests prove the rules
are data by changing a copied rules file and watching the outcome change.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import pytest

from bot.domain.gestation import GestationalAge, due_date_from_age
from bot.domain.triage import (
    DEFAULT_RULES_PATH,
    LABEL_LIMITS,
    LOCALES,
    Assessment,
    Level,
    Report,
    Rules,
    RulesError,
    Subject,
    assess,
    load_rules,
)

TODAY = date(2026, 11, 15)
E, TODAY_, PFU, R = (
    Level.EMERGENCY,
    Level.SEE_DOCTOR_TODAY,
    Level.PRIORITY_FOLLOW_UP,
    Level.ROUTINE,
)


@pytest.fixture(scope="module")
def rules() -> Rules:
    return load_rules()


# ----- small factories ------------------------------------------------------------------


def mother(weeks: int | None = 30, days: int = 0, colour: str | tuple[str, ...] = ()) -> Subject:
    """A pregnant woman at weeks+days today; weeks=None means no due date is known."""
    due = None if weeks is None else due_date_from_age(GestationalAge(weeks, days), TODAY)
    return Subject("pregnancy", due_date=due, risk_colours=colour)


def child(months: int | None) -> Subject:
    """A child born on the 15th, `months` calendar months before TODAY (None: unknown)."""
    if months is None:
        return Subject("child")
    total = TODAY.year * 12 + TODAY.month - 1 - months
    return Subject("child", birth_date=date(total // 12, total % 12 + 1, 15))


def report(*symptoms: str, **values: object) -> Report:
    return Report(reported_on=values.pop("on", TODAY), symptoms=frozenset(symptoms), **values)


def ago(days: int, *symptoms: str, **values: object) -> Report:
    return report(*symptoms, on=TODAY - timedelta(days=days), **values)


@dataclass
class Case:
    name: str
    subject: Subject
    report: Report
    level: Level
    has: tuple[str, ...] = ()
    lacks: tuple[str, ...] = ()
    history: tuple[Report, ...] = ()
    today: date = TODAY
    extra: dict = field(default_factory=dict)


def _fever_history(*temps: float) -> tuple[Report, ...]:
    """Readings on the days before today, the last one yesterday."""
    n = len(temps)
    return tuple(ago(n - i, temperature_c=t) for i, t in enumerate(temps))


# Born 2026-01-01: 31 March is day 89 (2 completed months), 1 April is day 90 (3 months).
NEWBORN_2026 = Subject("child", birth_date=date(2026, 1, 1))

CASES = [
    # --- pregnancy: emergency signs --------------------------------------------------------
    Case("nothing reported", mother(), report(), R),
    Case("bleeding", mother(), report("bleeding"), E, ("pregnancy.bleeding",)),
    Case("fluid leaking", mother(), report("fluid_leak"), E, ("pregnancy.fluid_leak",)),
    Case("fit", mother(), report("fit"), E, ("pregnancy.fit",)),
    Case("fainting", mother(), report("fainting"), E, ("pregnancy.fainting",)),
    Case("headache/vision", mother(), report("severe_headache_vision"), E),
    Case("face/hand swelling", mother(), report("face_hand_swelling"), E),
    Case("severe abdominal pain", mother(), report("severe_abdominal_pain"), E),
    Case("chest pain", mother(), report("chest_pain"), E, ("pregnancy.chest_pain",)),
    Case("breathless at rest", mother(), report("breathless"), E, ("pregnancy.breathless",)),
    Case("breathing 29", mother(), report(breathing_rate=29), R, (), ("pregnancy.fast_breathing",)),
    Case("breathing 30", mother(), report(breathing_rate=30), E, ("pregnancy.fast_breathing",)),
    Case("SpO2 94", mother(), report(spo2=94), R, (), ("pregnancy.low_spo2",)),
    Case("SpO2 93", mother(), report(spo2=93), E, ("pregnancy.low_spo2",)),
    # RCOG GTG57: before 24 weeks the heart is checked the same day, never "no danger signs".
    Case(
        "less movement 23+6",
        mother(23, 6),
        report("reduced_fetal_movement"),
        TODAY_,
        ("pregnancy.reduced_fetal_movement_early",),
        ("pregnancy.reduced_fetal_movement",),
    ),
    Case(
        "less movement 16+0",
        mother(16, 0),
        report("reduced_fetal_movement"),
        TODAY_,
        ("pregnancy.reduced_fetal_movement_early",),
    ),
    Case("less movement 24+0", mother(24, 0), report("reduced_fetal_movement"), E),
    Case("less movement, week unknown", mother(None), report("reduced_fetal_movement"), E),
    Case(
        "contractions 36+6",
        mother(36, 6),
        report("regular_contractions"),
        E,
        ("pregnancy.preterm_contractions",),
        ("pregnancy.term_labour",),
    ),
    Case(
        "contractions 37+0",
        mother(37, 0),
        report("regular_contractions"),
        E,
        ("pregnancy.term_labour",),
        ("pregnancy.preterm_contractions",),
    ),
    Case(
        "contractions, week unknown",
        mother(None),
        report("regular_contractions"),
        E,
        ("pregnancy.preterm_contractions",),
    ),
    Case("self-harm thoughts", mother(), report("low_mood_self_harm"), E, ("mental.self_harm",)),
    # --- pregnancy: see a doctor today ---------------------------------------------------
    Case("38.0", mother(), report(temperature_c=38.0), R, (), ("pregnancy.fever",)),
    Case("38.1", mother(), report(temperature_c=38.1), TODAY_, ("pregnancy.fever",)),
    Case(
        "38.6 for 3 days",
        mother(),
        report("fever", temperature_c=38.6, fever_days=3),
        TODAY_,
        ("pregnancy.fever",),
        ("pregnancy.fever_over_3_days",),
    ),
    Case(
        "38.6 for 4 days",
        mother(),
        report("fever", temperature_c=38.6, fever_days=4),
        TODAY_,
        ("pregnancy.fever_over_3_days",),
    ),
    # A typed "fever for 5 days" counts like the tick (medicine lowers today's reading).
    Case(
        "38.5 unticked but 5 fever days typed",
        mother(),
        report(temperature_c=38.5, fever_days=5),
        TODAY_,
        ("pregnancy.fever", "pregnancy.fever_over_3_days"),
    ),
    Case(
        "38.5 unticked for 5 days of readings is not above 38.5",
        mother(),
        report(temperature_c=38.5),
        TODAY_,
        ("pregnancy.fever",),
        ("pregnancy.fever_over_3_days",),
        history=_fever_history(38.5, 38.5, 38.5, 38.5),
    ),
    Case(
        "3 fever days typed is not more than 3",
        mother(),
        report(temperature_c=37.9, fever_days=3),
        R,
        (),
        ("pregnancy.fever_over_3_days",),
    ),
    Case(
        "palpitations",
        mother(),
        report("palpitations_dizziness"),
        TODAY_,
        ("pregnancy.palpitations_dizziness",),
    ),
    Case("too weak to get up", mother(), report("too_weak"), TODAY_, ("pregnancy.too_weak",)),
    Case(
        "ticked fever on day 4, reading lowered by medicine",
        mother(),
        report("fever", temperature_c=37.6, fever_days=4),
        TODAY_,
        ("pregnancy.fever_over_3_days",),
    ),
    Case(
        "readings above 38.5 on 4 days running",
        mother(),
        report(temperature_c=38.7),
        TODAY_,
        ("pregnancy.fever_over_3_days",),
        history=_fever_history(38.9, 38.8, 38.6),
    ),
    Case(
        "readings above 38.5 on 3 days running",
        mother(),
        report(temperature_c=38.7),
        TODAY_,
        (),
        ("pregnancy.fever_over_3_days",),
        history=_fever_history(38.8, 38.6),
    ),
    Case(
        "a normal reading breaks the run",
        mother(),
        report(temperature_c=38.7),
        TODAY_,
        (),
        ("pregnancy.fever_over_3_days",),
        history=_fever_history(38.9, 36.8, 38.6),
    ),
    Case(
        "a two-day gap keeps the run",
        mother(),
        report(temperature_c=38.7),
        TODAY_,
        ("pregnancy.fever_over_3_days",),
        history=(ago(3, temperature_c=38.9), ago(1, temperature_c=38.8)),
    ),
    Case(
        "a four-day gap ends the run",
        mother(),
        report(temperature_c=38.7),
        TODAY_,
        (),
        ("pregnancy.fever_over_3_days",),
        history=(ago(5, "fever", fever_days=3), ago(1, temperature_c=38.8)),
    ),
    Case("cannot eat", mother(), report("cannot_eat"), TODAY_, ("pregnancy.cannot_eat",)),
    Case(
        "vomiting for 2 days",
        mother(),
        report("vomiting_diarrhoea", symptom_days={"vomiting_diarrhoea": 2}),
        R,
        (),
        ("pregnancy.vomiting_diarrhoea",),
    ),
    Case(
        "vomiting for 3 days",
        mother(),
        report("vomiting_diarrhoea", symptom_days={"vomiting_diarrhoea": 3}),
        TODAY_,
        ("pregnancy.vomiting_diarrhoea",),
    ),
    Case(
        "vomiting reported on 3 days running",
        mother(),
        report("vomiting_diarrhoea"),
        TODAY_,
        ("pregnancy.vomiting_diarrhoea",),
        history=(ago(2, "vomiting_diarrhoea"), ago(1, "vomiting_diarrhoea")),
    ),
    Case("chronic illness worse", mother(), report("chronic_worsening"), TODAY_),
    Case("fever ticked, no reading", mother(), report("fever"), R, ("pregnancy.fever_reported",)),
    # --- mental health -------------------------------------------------------------------
    Case("PHQ-2 total 2", mother(), report(phq2=(1, 1)), R, (), ("mental.phq2_positive",)),
    Case("PHQ-2 total 3", mother(), report(phq2=(2, 1)), PFU, ("mental.phq2_positive",)),
    Case("PHQ-2 asked of a parent", child(8), report(phq2=(0, 3)), PFU, ("mental.phq2_positive",)),
    Case(
        "PHQ-2 positive and self-harm",
        mother(),
        report("low_mood_self_harm", phq2=(3, 3)),
        E,
        ("mental.self_harm", "mental.phq2_positive"),
    ),
    # --- priority group: colours and 37 weeks --------------------------------------------
    Case(
        "green, cough", mother(colour="green"), report("cough"), R, (), ("priority.notable_report",)
    ),
    Case("yellow, cough", mother(colour="yellow"), report("cough"), R),
    Case(
        "orange, cough", mother(colour="orange"), report("cough"), PFU, ("priority.notable_report",)
    ),
    Case("red, positive test", mother(colour="red"), report(test_result="positive"), PFU),
    Case("red, negative test", mother(colour="red"), report(test_result="negative"), PFU),
    Case("purple, isolating at home", mother(colour="purple"), report(isolation="home"), PFU),
    Case("red, not isolating", mother(colour="red"), report(isolation="none"), PFU),
    # The notice asks for active follow-up of every priority-group mother: any report counts.
    Case("red, nothing to report", mother(colour="red"), report(), PFU),
    Case("yellow, nothing to report", mother(colour="yellow"), report(), R),
    Case(
        "not priority, positive test",
        mother(),
        report(test_result="positive"),
        PFU,
        ("priority.positive_test",),
    ),
    Case("not priority, negative test", mother(), report(test_result="negative"), R),
    Case("green with purple, cough", mother(colour=("green", "purple")), report("cough"), PFU),
    Case("36+6, cough", mother(36, 6), report("cough"), R),
    Case("36+6, nothing", mother(36, 6), report(), R),
    Case("37+0, nothing", mother(37, 0), report(), PFU, ("priority.notable_report",)),
    Case("37+0, cough", mother(37, 0), report("cough"), PFU, ("priority.notable_report",)),
    Case("red, 37.2", mother(colour="red"), report(temperature_c=37.2), PFU),
    Case("red, 37.3", mother(colour="red"), report(temperature_c=37.3), PFU),
    Case(
        "red, bleeding",
        mother(colour="red"),
        report("bleeding"),
        E,
        ("pregnancy.bleeding", "priority.notable_report"),
    ),
    # --- children: fever thresholds by age -----------------------------------------------
    Case(
        "day 89 with 38.0",
        NEWBORN_2026,
        report(temperature_c=38.0, on=date(2026, 3, 31)),
        E,
        ("child.young_infant_fever", "child.fever"),
        today=date(2026, 3, 31),
    ),
    Case(
        "day 90 with 38.0",
        NEWBORN_2026,
        report(temperature_c=38.0, on=date(2026, 4, 1)),
        R,
        ("child.fever",),
        ("child.young_infant_fever",),
        today=date(2026, 4, 1),
    ),
    Case("2 months, 37.9", child(2), report(temperature_c=37.9), R, ("child.fever",)),
    Case("2 months, 38.0", child(2), report(temperature_c=38.0), E, ("child.young_infant_fever",)),
    Case("2 years, 37.4", child(24), report(temperature_c=37.4), R, (), ("child.fever",)),
    Case("2 years, 37.5", child(24), report(temperature_c=37.5), R, ("child.fever",)),
    Case("2 years, fever ticked", child(24), report("fever"), R, ("child.fever",)),
    Case("2 years, 40.9", child(24), report(temperature_c=40.9), R, ("child.fever",)),
    Case("2 years, 41.0", child(24), report(temperature_c=41.0), E, ("child.very_high_fever",)),
    Case(
        "3 months, 38.9", child(3), report(temperature_c=38.9), R, (), ("child.infant_high_fever",)
    ),
    Case(
        "3 months, 39.0", child(3), report(temperature_c=39.0), TODAY_, ("child.infant_high_fever",)
    ),
    Case(
        "6 months, 39.0", child(6), report(temperature_c=39.0), TODAY_, ("child.infant_high_fever",)
    ),
    Case(
        "7 months, 39.0", child(7), report(temperature_c=39.0), R, (), ("child.infant_high_fever",)
    ),
    # --- children: fast breathing by age -------------------------------------------------
    Case("1 month, 59/min", child(1), report(breathing_rate=59), R),
    Case(
        "1 month, 60/min",
        child(1),
        report(breathing_rate=60),
        E,
        ("child.fast_breathing_under_2m",),
    ),
    Case("1 month, 55/min", child(1), report(breathing_rate=55), R),
    Case(
        "2 months, 55/min", child(2), report(breathing_rate=55), E, ("child.fast_breathing_2_11m",)
    ),
    Case("6 months, 49/min", child(6), report(breathing_rate=49), R),
    Case(
        "6 months, 50/min", child(6), report(breathing_rate=50), E, ("child.fast_breathing_2_11m",)
    ),
    Case("11 months, 45/min", child(11), report(breathing_rate=45), R),
    Case(
        "12 months, 45/min", child(12), report(breathing_rate=45), E, ("child.fast_breathing_1_5y",)
    ),
    Case("3 years, 39/min", child(36), report(breathing_rate=39), R),
    Case(
        "3 years, 40/min", child(36), report(breathing_rate=40), E, ("child.fast_breathing_1_5y",)
    ),
    Case("5 years 11 months, 40/min", child(71), report(breathing_rate=40), E),
    Case("6 years, 29/min", child(72), report(breathing_rate=29), R),
    Case(
        "6 years, 30/min",
        child(72),
        report(breathing_rate=30),
        E,
        ("child.fast_breathing_over_5y",),
    ),
    Case("age unknown, 70/min", child(None), report(breathing_rate=70), R),
    # --- children: danger signs ----------------------------------------------------------
    Case("child fit", child(24), report("fit"), E, ("child.fit",)),
    Case("hard to wake", child(24), report("hard_to_wake"), E, ("child.hard_to_wake",)),
    Case("blue lips", child(24), report("blue_lips"), E, ("child.blue_lips",)),
    Case("chest indrawing", child(24), report("chest_indrawing"), E, ("child.chest_indrawing",)),
    Case("non-blanching rash", child(24), report("nonblanching_rash"), E),
    Case("no urine ticked", child(24), report("no_urine"), E, ("child.no_urine",)),
    Case("no tears, dry mouth", child(24), report("no_tears_dry_mouth"), E),
    Case("refuses feeds", child(4), report("refuses_feeds"), E, ("child.refuses_feeds",)),
    Case("self-harm thoughts of a parent", child(1), report("low_mood_self_harm"), E),
    Case("2 months, no urine 7 h", child(2), report(hours_since_urine=7), R),
    Case("2 months, no urine 8 h", child(2), report(hours_since_urine=8), E),
    Case("4 months, no urine 11 h", child(4), report(hours_since_urine=11), R),
    Case("4 months, no urine 12 h", child(4), report(hours_since_urine=12), E),
    Case("age unknown, no urine 8 h", child(None), report(hours_since_urine=8), E),
    # --- children: see a doctor today ----------------------------------------------------
    Case("fever ticked for 3 days", child(24), report("fever", fever_days=3), R),
    Case(
        "fever ticked for 4 days",
        child(24),
        report("fever", fever_days=4),
        TODAY_,
        ("child.fever_over_3_days", "child.fever"),
    ),
    # NHC 2022 home care: above 38.5 °C for more than 3 days.
    Case(
        "38.5 on 4 days is not above 38.5",
        child(24),
        report(temperature_c=38.5),
        R,
        (),
        ("child.fever_over_3_days",),
        history=_fever_history(38.5, 38.5, 38.5),
    ),
    Case(
        "38.6 on 4 days is",
        child(24),
        report(temperature_c=38.6),
        TODAY_,
        ("child.fever_over_3_days",),
        history=_fever_history(38.6, 38.6, 38.6),
    ),
    Case(
        "38.6 on 3 days is not yet",
        child(24),
        report(temperature_c=38.6),
        R,
        (),
        ("child.fever_over_3_days",),
        history=_fever_history(38.6, 38.6),
    ),
    Case(
        "typed 4 fever days at 38.7, fever not ticked",
        child(24),
        report(temperature_c=38.7, fever_days=4),
        TODAY_,
        ("child.fever_over_3_days",),
    ),
    # NICE amber: fever for 5 days or more, at any height.
    Case(
        "37.8 for 5 days",
        child(24),
        report(temperature_c=37.8),
        TODAY_,
        ("child.fever_5_days",),
        history=_fever_history(37.8, 37.8, 37.8, 37.8),
    ),
    Case(
        "37.8 for 4 days",
        child(24),
        report(temperature_c=37.8),
        R,
        (),
        ("child.fever_5_days",),
        history=_fever_history(37.8, 37.8, 37.8),
    ),
    Case(
        "37.4 for 5 days is not fever",
        child(24),
        report(temperature_c=37.4),
        R,
        (),
        ("child.fever_5_days",),
        history=_fever_history(37.4, 37.4, 37.4, 37.4),
    ),
    # SpO2: China's plan 93 % (severe), NICE amber 95 %.
    Case("child SpO2 93", child(24), report(spo2=93), E, ("child.low_spo2",)),
    Case(
        "child SpO2 94",
        child(24),
        report(spo2=94),
        TODAY_,
        ("child.spo2_amber",),
        ("child.low_spo2",),
    ),
    Case("child SpO2 95", child(24), report(spo2=95), TODAY_, ("child.spo2_amber",)),
    Case("child SpO2 96", child(24), report(spo2=96), R),
    Case("child keeps vomiting", child(24), report("persistent_vomiting"), TODAY_),
    Case("child stiff neck", child(24), report("stiff_neck"), E, ("child.stiff_neck",)),
    Case("bulging fontanelle", child(5), report("bulging_fontanelle"), E),
    Case("weak or high cry", child(5), report("abnormal_cry"), E, ("child.abnormal_cry",)),
    Case("child pale", child(24), report("pallor"), TODAY_, ("child.pallor",)),
    Case("less active", child(24), report("reduced_activity"), TODAY_),
    Case("child breathless", child(24), report("breathless"), E, ("child.breathless",)),
    # Newborns: WHO IMCI 37.5 °C under 2 months (safer than NICE's 38), low temperature.
    Case("1 month 37.5", child(1), report(temperature_c=37.5), E, ("child.newborn_fever_imci",)),
    Case("1 month 37.4", child(1), report(temperature_c=37.4), R),
    Case("2 months 37.5 is NICE only", child(2), report(temperature_c=37.5), R),
    Case(
        "1 month 35.4", child(1), report(temperature_c=35.4), E, ("child.newborn_low_temperature",)
    ),
    Case(
        "1 month 35.5",
        child(1),
        report(temperature_c=35.5),
        TODAY_,
        ("child.young_infant_mild_hypothermia",),
        ("child.newborn_low_temperature",),
    ),
    Case("1 month 36.4", child(1), report(temperature_c=36.4), TODAY_),
    Case("1 month 36.5", child(1), report(temperature_c=36.5), R),
    Case("2 months 35.4 is past the IMCI age", child(2), report(temperature_c=35.4), R),
    # A fever ticked or said without a reading, under 3 months.
    Case(
        "2 months, fever, not measured", child(2), report("fever"), E, ("child.young_infant_fever",)
    ),
    Case(
        "2 months, fever ticked, 37.8 measured",
        child(2),
        report("fever", temperature_c=37.8),
        R,
        (),
        ("child.young_infant_fever",),
    ),
    Case("3 months, fever, not measured", child(3), report("fever"), R),
    Case(
        "fever, normal, fever again",
        child(24),
        report(temperature_c=38.2),
        TODAY_,
        ("child.better_then_worse",),
        history=_fever_history(38.5, 36.8),
    ),
    Case(
        "fever going on without a break",
        child(24),
        report(temperature_c=38.2),
        R,
        (),
        ("child.better_then_worse",),
        history=_fever_history(38.5, 38.0),
    ),
    Case(
        "better then worse, but outside the week",
        child(24),
        report(temperature_c=38.2),
        R,
        (),
        ("child.better_then_worse",),
        history=(ago(9, temperature_c=38.6), ago(8, temperature_c=36.9)),
    ),
    Case("better then worse ticked", child(24), report("better_then_worse"), TODAY_),
    Case("cough only", child(24), report("cough"), R),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_triage_table(case: Case, rules: Rules) -> None:
    result = assess(case.subject, case.report, case.history, rules, case.today)
    assert result.level == case.level, result.reasons
    assert set(case.has) <= set(result.reasons)
    assert not set(case.lacks) & set(result.reasons)
    if case.level == Level.ROUTINE and not case.has:
        assert "priority.notable_report" not in result.reasons


def test_the_table_is_big_enough_and_uses_only_known_codes(rules: Rules) -> None:
    assert len(CASES) >= 60
    rule_ids = {r.id for r in rules.rules}
    for case in CASES:
        reports = (case.report, *case.history)
        assert all(s in rules.symptoms for r in reports for s in r.symptoms), case.name
        assert set(case.has) | set(case.lacks) <= rule_ids, case.name


# ----- the outcome's other fields -------------------------------------------------------


def _assess(rules: Rules, subject: Subject, rep: Report, history=()) -> Assessment:
    return assess(subject, rep, history, rules, TODAY)


def test_reasons_are_most_severe_first(rules: Rules) -> None:
    result = _assess(rules, mother(colour="red"), report("fever", "cannot_eat", "bleeding"))
    levels = [rules.rule(r).level for r in result.reasons]
    assert levels == sorted(levels, reverse=True)
    assert result.reasons[0] == "pregnancy.bleeding"
    assert result.reasons[-1] == "pregnancy.fever_reported"


@pytest.mark.parametrize(
    ("subject", "rep", "alert"),
    [
        (mother(), report("bleeding"), True),  # emergency
        (mother(), report(temperature_c=38.4), True),  # see a doctor today
        (mother(), report(phq2=(2, 2)), True),  # positive screen
        (mother(colour="orange"), report("sore_throat"), True),  # priority group, notable
        (mother(colour="orange"), report(), True),  # priority group: every report
        (mother(colour="yellow"), report(), False),
        (mother(), report("cough", test_result="positive", isolation="home"), True),
        (mother(), report("cough", isolation="home"), False),
        (child(24), report(temperature_c=38.5), False),  # fever-clinic advice only
    ],
)
def test_staff_are_alerted_for_emergency_today_or_notable_priority(
    rules: Rules, subject: Subject, rep: Report, alert: bool
) -> None:
    assert _assess(rules, subject, rep).alert_staff is alert


def test_priority_group_is_colour_or_37_weeks(rules: Rules) -> None:
    assert _assess(rules, mother(colour="purple"), report()).priority_group
    assert _assess(rules, mother(37, 0), report()).priority_group
    assert not _assess(rules, mother(36, 6, colour="yellow"), report()).priority_group
    assert not _assess(rules, mother(None), report()).priority_group
    assert not _assess(rules, child(2), report()).priority_group


def test_a_childs_fever_brings_fever_clinic_directions(rules: Rules) -> None:
    assert _assess(rules, child(24), report(temperature_c=37.8)).fever_clinic
    assert _assess(rules, child(1), report(temperature_c=38.3)).fever_clinic  # with emergency
    assert not _assess(rules, child(24), report("cough")).fever_clinic


def test_labour_signs_bring_delivery_hospital_directions(rules: Rules) -> None:
    assert _assess(rules, mother(38, 2), report("regular_contractions")).delivery_hospital
    assert _assess(rules, mother(30), report("fluid_leak")).delivery_hospital
    assert not _assess(rules, mother(30), report("bleeding")).delivery_hospital


def test_history_from_the_future_or_undated_is_ignored(rules: Rules) -> None:
    history = (
        Report(symptoms=frozenset({"fever"}), fever_days=9),
        report("fever", on=TODAY + timedelta(days=1), fever_days=9),
    )
    result = _assess(rules, child(24), report("fever"), history)
    assert "child.fever_over_3_days" not in result.reasons


def test_the_assessment_names_the_rules_version(rules: Rules) -> None:
    assert _assess(rules, mother(), report()).rules_version == rules.version


def test_levels_are_ordered() -> None:
    assert Level.EMERGENCY > Level.SEE_DOCTOR_TODAY > Level.PRIORITY_FOLLOW_UP > Level.ROUTINE
    assert Level.SEE_DOCTOR_TODAY.code == "see_doctor_today"


def test_phq2_answers_must_be_two_scores_of_0_to_3() -> None:
    with pytest.raises(ValueError):
        Report(phq2=(4, 0))
    with pytest.raises(ValueError):
        Report(phq2=(1,))  # type: ignore[arg-type]


def test_subject_kind_is_checked() -> None:
    with pytest.raises(ValueError):
        Subject("adult")


# ----- content: labels, texts, sources, colours -----------------------------------------


def test_every_symptom_has_short_labels_in_both_locales(rules: Rules) -> None:
    for symptom in rules.symptoms.values():
        for locale in LOCALES:
            label = symptom.label.get(locale)
            assert 0 < len(label) <= LABEL_LIMITS[locale], (symptom.code, locale)
        assert len(f"sym:{symptom.code}".encode()) <= 64  # fits in callback_data


def test_checklists_offer_each_kind_its_own_signs(rules: Rules) -> None:
    mothers = {s.code for s in rules.checklist("pregnancy")}
    children = {s.code for s in rules.checklist("child")}
    assert {"bleeding", "reduced_fetal_movement", "fever", "fit"} <= mothers
    assert {"hard_to_wake", "nonblanching_rash", "fever", "fit"} <= children
    assert "bleeding" not in children and "blue_lips" not in mothers


def test_every_rule_is_sourced_and_explained_in_both_locales(rules: Rules) -> None:
    for rule in rules.rules:
        assert rule.sources and all(s in rules.sources for s in rule.sources), rule.id
        for audience in ("user", "staff"):
            for locale in LOCALES:
                text = rules.reason_text(rule.id, audience, locale, emergency_number="120")
                assert text.strip() and "{" not in text
    for level in Level:
        zh, en = (rules.level_text(level, "user", loc, emergency_number="120") for loc in LOCALES)
        assert zh != en


def test_the_configured_emergency_number_is_filled_in(rules: Rules) -> None:
    text = rules.reason_text("child.fit", "user", "en", emergency_number="999")
    assert "call 999" in text.lower() and "120" not in text
    headline = rules.level_text(Level.EMERGENCY, "user", "zh_Hans", emergency_number="112")
    assert "112" in headline


def test_texts_fall_back_to_chinese(rules: Rules) -> None:
    def bleeding(locale: str) -> str:
        return rules.reason_text("pregnancy.bleeding", "user", locale, emergency_number="120")

    assert bleeding("fr") == bleeding("zh_Hans")
    assert bleeding("en-GB") == bleeding("en") != bleeding("zh_Hans")


def test_five_colours_with_orange_red_purple_as_priority(rules: Rules) -> None:
    assert list(rules.colours) == ["green", "yellow", "orange", "red", "purple"]
    assert rules.priority_colours == {"orange", "red", "purple"}
    assert rules.priority_gestation_days == 37 * 7
    for colour in rules.colours.values():
        assert colour.name.get("en") and colour.meaning.get("zh_Hans")


# ----- rules are data -------------------------------------------------------------------


@pytest.fixture
def rules_dir(tmp_path: Path) -> Path:
    copy = tmp_path / "triage"
    shutil.copytree(DEFAULT_RULES_PATH.parent, copy)
    return copy


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_changing_a_threshold_in_the_file_changes_the_outcome(rules_dir: Path) -> None:
    rep = report(temperature_c=38.3)
    before = assess(mother(), rep, (), load_rules(rules_dir / "rules.toml"), TODAY)
    _edit(
        rules_dir / "rules.toml", "temperature_c = { gt = 38.0 }", "temperature_c = { gt = 38.5 }"
    )
    after = assess(mother(), rep, (), load_rules(rules_dir / "rules.toml"), TODAY)
    assert (before.level, after.level) == (Level.SEE_DOCTOR_TODAY, Level.ROUTINE)


def test_changing_the_priority_colours_changes_who_is_followed(rules_dir: Path) -> None:
    subject, rep = mother(colour="yellow"), report("cough")
    assert assess(subject, rep, (), load_rules(rules_dir / "rules.toml"), TODAY).level == R
    _edit(
        rules_dir / "risk_colours.toml",
        'colours = ["orange", "red", "purple"]',
        'colours = ["yellow", "orange", "red", "purple"]',
    )
    changed = assess(subject, rep, (), load_rules(rules_dir / "rules.toml"), TODAY)
    assert changed.level == PFU and changed.priority_group


BLEEDING_LEVEL = 'id = "pregnancy.bleeding"\napplies_to = ["pregnancy"]\nlevel = "emergency"'
BLEEDING_SOURCES = f'{BLEEDING_LEVEL}\nsources = ["who_pcpnc_2015", "nhc_2022_home_care"]'


@pytest.mark.parametrize(
    ("old", "new", "complaint"),
    [
        (BLEEDING_SOURCES, f"{BLEEDING_LEVEL}\nsources = []", "source"),
        (
            'sources = ["covid_plan_9"]\nnote',
            'sources = ["no_such_source"]\nnote',
            "unknown sources",
        ),
        ('symptoms_any = ["bleeding"]', 'symptoms_any = ["bleding"]', "unknown symptom"),
        ("spo2 = { le = 93 }", "sp02 = { le = 93 }", "unknown condition keys"),
        ("spo2 = { le = 93 }", "spo2 = { lte = 93 }", "comparison"),
        ('label.en = "Vaginal bleeding"\n', "", "label"),
        ('label.en = "Fainting"', 'label.en = "Fainting, dizziness or collapsing"', "longer"),
        ('staff.en = "Routine"\n', "", "levels.routine"),
        (BLEEDING_LEVEL, BLEEDING_LEVEL.replace("emergency", "urgent"), "level"),
        ('gestation = { ge = "24+0"', 'gestation = { ge = "24 weeks"', "gestation"),
        ('staff.en = "Emergency"', 'staff.en = "Emergency {level}"', "emergency_number"),
        ('staff.en = "Routine"', 'staff.en = "Routine <b>"', "emergency_number"),
    ],
)
def test_a_broken_rules_file_is_refused(
    rules_dir: Path, old: str, new: str, complaint: str
) -> None:
    _edit(rules_dir / "rules.toml", old, new)
    with pytest.raises(RulesError, match=complaint):
        load_rules(rules_dir / "rules.toml")


def test_a_priority_colour_that_is_not_configured_is_refused(rules_dir: Path) -> None:
    _edit(rules_dir / "risk_colours.toml", '"orange", "red", "purple"]', '"orange", "red", "pink"]')
    with pytest.raises(RulesError, match="priority colours"):
        load_rules(rules_dir / "rules.toml")
