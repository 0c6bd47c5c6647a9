"""Which stage message is due: exact week and age boundaries, and the profile decision."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from bot.domain.gestation import GestationalAge, due_date_from_age
from bot.domain.stages import (
    child_stage_message,
    pregnancy_stage_message,
    stage_messages_due,
)
from bot.education import load_catalog

TODAY = date(2026, 11, 23)


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


def due_date_at(weeks: int, days: int) -> date:
    """The due date of a woman who is weeks+days pregnant today."""
    return due_date_from_age(GestationalAge(weeks, days), TODAY)


@pytest.mark.parametrize(
    ("weeks", "days", "expected"),
    [
        (3, 6, None),
        (4, 0, "pregnancy_w04_08"),
        (8, 6, "pregnancy_w04_08"),
        (9, 0, "pregnancy_w09_13"),
        (11, 6, "pregnancy_w09_13"),
        (12, 0, "pregnancy_w12"),
        (12, 6, "pregnancy_w12"),
        (13, 0, "pregnancy_w09_13"),
        (19, 6, "pregnancy_w14_19"),
        (20, 0, "pregnancy_w20"),
        (21, 0, "pregnancy_w20_23"),
        (27, 6, "pregnancy_w24_27"),
        (28, 0, "pregnancy_w28"),
        (29, 0, "pregnancy_w28_31"),
        (32, 0, "pregnancy_w32"),
        (33, 0, "pregnancy_w32_36"),
        (35, 6, "pregnancy_w32_36"),
        (36, 0, "pregnancy_w36"),
        (36, 6, "pregnancy_w36"),
        (37, 0, "pregnancy_w37"),
        (38, 0, "pregnancy_w37_39"),
        (39, 6, "pregnancy_w37_39"),
        (40, 0, "pregnancy_w40"),
        (41, 0, "pregnancy_w40_42"),
        (42, 6, "pregnancy_w40_42"),
        (43, 0, None),
    ],
)
def test_pregnancy_week_boundaries(catalog, weeks, days, expected):
    message = pregnancy_stage_message(due_date_at(weeks, days), TODAY, catalog.pregnancy_stages)
    assert (message.id if message else None) == expected


@pytest.mark.parametrize(
    ("birth", "on", "expected"),
    [
        (date(2024, 1, 15), date(2024, 1, 14), None),  # not born yet
        (date(2024, 1, 15), date(2024, 1, 15), "child_0_1m"),  # day of birth
        (date(2024, 1, 15), date(2024, 2, 14), "child_0_1m"),
        (date(2024, 1, 15), date(2024, 2, 15), "child_1_6m"),  # exactly 1 month
        (date(2024, 1, 15), date(2024, 7, 14), "child_1_6m"),
        (date(2024, 1, 15), date(2024, 7, 15), "child_6_12m"),  # exactly 6 months
        (date(2024, 1, 15), date(2025, 1, 14), "child_6_12m"),
        (date(2024, 1, 15), date(2025, 1, 15), "child_1_3y"),  # first birthday
        (date(2024, 1, 15), date(2027, 1, 14), "child_1_3y"),
        (date(2024, 1, 15), date(2027, 1, 15), "child_3_6y"),  # third birthday
        (date(2024, 1, 15), date(2030, 1, 14), "child_3_6y"),
        (date(2024, 1, 15), date(2030, 1, 15), None),  # sixth birthday
        (date(2024, 1, 15), date(2035, 6, 1), None),
        # Born on the 31st: one month old on the last day of a shorter month.
        (date(2024, 1, 31), date(2024, 2, 28), "child_0_1m"),
        (date(2024, 1, 31), date(2024, 2, 29), "child_1_6m"),
        (date(2023, 1, 31), date(2023, 2, 28), "child_1_6m"),
        # Born on 29 February: the first birthday falls on 28 February.
        (date(2024, 2, 29), date(2025, 2, 27), "child_6_12m"),
        (date(2024, 2, 29), date(2025, 2, 28), "child_1_3y"),
    ],
)
def test_child_age_band_boundaries(catalog, birth, on, expected):
    message = child_stage_message(birth, on, catalog.child_stages)
    assert (message.id if message else None) == expected


@pytest.mark.parametrize(
    ("pregnancy_ongoing", "expected"),
    [
        (True, ["pregnancy_w20", "child_1_3y"]),
        # After a loss the due date stays on record; pregnancy content must stop.
        (False, ["child_1_3y"]),
    ],
)
def test_pregnancy_messages_only_while_the_pregnancy_is_ongoing(
    catalog, pregnancy_ongoing, expected
):
    due = stage_messages_due(
        TODAY,
        due_date=due_date_at(20, 3),
        pregnancy_ongoing=pregnancy_ongoing,
        child_birth_dates=[date(2024, 10, 1)],
        pregnancy_stages=catalog.pregnancy_stages,
        child_stages=catalog.child_stages,
    )
    assert [m.id for m in due] == expected


def test_ongoing_without_a_due_date_sends_nothing(catalog):
    due = stage_messages_due(
        TODAY, pregnancy_ongoing=True, pregnancy_stages=catalog.pregnancy_stages
    )
    assert due == []


def test_twins_share_one_message_and_older_children_get_none(catalog):
    due = stage_messages_due(
        TODAY,
        child_birth_dates=[date(2026, 9, 1), date(2026, 9, 1), date(2019, 1, 1)],
        pregnancy_stages=catalog.pregnancy_stages,
        child_stages=catalog.child_stages,
    )
    assert [m.id for m in due] == ["child_1_6m"]


@dataclass(frozen=True)
class Stage:
    id: str
    kind: str
    age_from: int
    age_until: int


def test_the_narrowest_stage_wins_whatever_the_order():
    stages = [Stage("single", "pregnancy", 12, 13), Stage("range", "pregnancy", 9, 14)]
    on = TODAY
    for ordering in (stages, list(reversed(stages))):
        assert pregnancy_stage_message(due_date_at(12, 2), on, ordering).id == "single"
        assert pregnancy_stage_message(due_date_at(13, 0), on, ordering).id == "range"


def test_child_stages_are_never_chosen_for_a_pregnancy():
    stages = [Stage("child_band", "child", 0, 72)]
    assert pregnancy_stage_message(due_date_at(10, 0), TODAY, stages) is None
    assert child_stage_message(date(2026, 1, 1), TODAY, stages).id == "child_band"
