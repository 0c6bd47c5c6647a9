"""Whether a mother is in the postpartum period, when her own health is asked about.

The postpartum period the programme follows ends with the 42-day check (China's
postpartum visits: in the first week and at 42 days; WHO's "Pregnancy, childbirth,
postpartum and newborn care" guide). Inside it, bleeding, fever and low mood of the
mother herself are danger signs of their own (content/triage/rules.toml, subject
"postpartum"), so a report must be able to be about her, not only about the baby.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

POSTPARTUM_DAYS = 42


def in_postpartum_period(
    *, outcome: str | None, pregnant: bool, births: Iterable[date], today: date
) -> bool:
    """She gave birth (the pregnancy ended with a birth) no more than 42 days ago."""
    if pregnant or outcome != "birth":
        return False
    newest = max(births, default=None)
    return newest is not None and 0 <= (today - newest).days <= POSTPARTUM_DAYS
