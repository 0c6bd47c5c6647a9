"""Which stage-based message fits a pregnancy week or a child's age.

Stages are data (content/stages/*.toml); this module only decides which entry
applies on a given day, so the scheduler can ask "what is due today?" and
deduplicate by message id. Ages are counted the way families count them:

- pregnancy: completed weeks of gestation (32+6 is still week 32), computed
  from the stored due date on the day asked (bot.domain.gestation);
- children: completed calendar months since birth. A child is n months old
  from the same day of the month n months after birth; when that month is
  shorter, from its last day (born 31 January -> 1 month on 28/29 February;
  born 29 February -> 1 year on 28 February of a common year).

A stage covers ages in ``[age_from, age_until)`` (weeks or months by kind).
Where several stages cover the same age the narrowest wins, which is how a
single-week message (week 12) takes precedence over its range (weeks 9-13).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Literal, Protocol, TypeVar

from bot.domain.dates import completed_months
from bot.domain.gestation import gestational_age

StageKind = Literal["pregnancy", "child"]

# Every completed week in this span must have a pregnancy message.
PREGNANCY_STAGE_WEEKS = range(4, 43)
# Every completed month from birth up to the sixth birthday must have a child message.
CHILD_STAGE_MONTHS = range(0, 72)


class StageLike(Protocol):
    """What the selection needs from a stage message (bot.education.StageMessage fits)."""

    @property
    def id(self) -> str: ...

    @property
    def kind(self) -> str: ...

    @property
    def age_from(self) -> int: ...

    @property
    def age_until(self) -> int: ...


S = TypeVar("S", bound=StageLike)


def stage_candidates(age: int, kind: StageKind, stages: Iterable[S]) -> list[S]:
    """All stages of this kind covering ``age``, most specific first.

    The content validator uses the full list to reject ties; callers that
    only want the message use the first element.
    """
    matching = [s for s in stages if s.kind == kind and s.age_from <= age < s.age_until]
    return sorted(matching, key=lambda s: (s.age_until - s.age_from, s.age_from, s.id))


def _most_specific(age: int, kind: StageKind, stages: Iterable[S]) -> S | None:
    candidates = stage_candidates(age, kind, stages)
    return candidates[0] if candidates else None


def pregnancy_stage_message(due_date: date, on: date, stages: Iterable[S]) -> S | None:
    """The pregnancy message for the current completed week, or None outside the stages.

    Only pregnancy-kind stages are considered, so passing the whole catalog is safe.
    The caller must not call this once the pregnancy has ended (birth or loss).
    """
    return _most_specific(gestational_age(due_date, on).weeks, "pregnancy", stages)


def child_stage_message(birth_date: date, on: date, stages: Iterable[S]) -> S | None:
    """The message for the child's age band, or None before birth or past the last band."""
    months = completed_months(birth_date, on)
    if months is None:
        return None
    return _most_specific(months, "child", stages)


def stage_messages_due(
    on: date,
    *,
    due_date: date | None = None,
    pregnancy_ongoing: bool = False,
    child_birth_dates: Iterable[date] = (),
    pregnancy_stages: Iterable[S] = (),
    child_stages: Iterable[S] = (),
) -> list[S]:
    """The stage messages that apply to one profile on ``on``, pregnancy first.

    ``pregnancy_ongoing`` must be affirmed by the caller: a stored due date alone
    is not enough, because after a birth or a pregnancy loss the due date stays
    on record and pregnancy content must never be sent again (BRIEF section 7).
    Each message appears once even when two children share a band; the
    scheduler decides when to send and skips ids it has already delivered.
    """
    due: list[S] = []
    if pregnancy_ongoing and due_date is not None:
        message = pregnancy_stage_message(due_date, on, pregnancy_stages)
        if message is not None:
            due.append(message)
    child_stages = tuple(child_stages)
    for birth_date in child_birth_dates:
        message = child_stage_message(birth_date, on, child_stages)
        if message is not None and all(m.id != message.id for m in due):
            due.append(message)
    return due
