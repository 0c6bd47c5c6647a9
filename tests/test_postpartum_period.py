"""The postpartum period: from the birth to the 42-day check, only after a birth."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bot.domain.postpartum import POSTPARTUM_DAYS, in_postpartum_period

TODAY = date(2026, 12, 1)


@pytest.mark.parametrize(
    ("outcome", "pregnant", "days_ago", "expected"),
    [
        ("birth", False, 0, True),
        ("birth", False, POSTPARTUM_DAYS, True),
        ("birth", False, POSTPARTUM_DAYS + 1, False),
        ("birth", True, 3, False),  # pregnant again: her pregnancy's questions apply
        ("loss", False, 3, False),
        (None, False, 3, False),  # a parent who joined with a child, no birth recorded
        ("birth", False, -1, False),  # a birth date in the future is not a birth yet
    ],
)
def test_in_postpartum_period(
    outcome: str | None, pregnant: bool, days_ago: int, expected: bool
) -> None:
    births = [TODAY - timedelta(days=400), TODAY - timedelta(days=days_ago)]
    assert (
        in_postpartum_period(outcome=outcome, pregnant=pregnant, births=births, today=TODAY)
        is expected
    )


def test_no_births_is_never_postpartum() -> None:
    assert not in_postpartum_period(outcome="birth", pregnant=False, births=[], today=TODAY)
