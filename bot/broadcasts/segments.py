"""Who a broadcast reaches: a segment is a set of conditions combined with AND.

Pure: the facts about each person are read by storage/broadcasts.py and judged
here, so the rules are tested without a database. Exclusions are decided when
a broadcast is created (issue 13): people who paused messages (/stop), who are
unreachable (blocked the bot), and, for pregnancy content, whoever lost her
pregnancy. People who deleted their data have no profile and are not in the
population at all.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from bot.domain.locales import SUPPORTED_LOCALES


@dataclass(frozen=True)
class Person:
    """What a segment can ask about one consenting person, as of today."""

    user_id: int
    chat_id: int
    locale: str
    active: bool
    paused: bool
    pregnant: bool  # currently pregnant (no outcome recorded)
    pregnancy_loss: bool
    parent: bool
    district: str | None  # its name in Chinese
    district_en: str | None
    community: str | None
    colour: str | None
    priority_group: bool
    gestation_weeks: int | None
    child_age_months: tuple[int, ...] = ()


@dataclass(frozen=True)
class Segment:
    """Empty fields ask nothing: Segment() is everyone."""

    pregnant: bool = False
    parents: bool = False
    districts: tuple[str, ...] = ()
    communities: tuple[str, ...] = ()
    colours: tuple[str, ...] = ()
    priority_group: bool = False
    gestation_weeks: tuple[int, int] | None = None  # inclusive, completed weeks
    child_age_months: tuple[int, int] | None = None  # inclusive, completed months
    languages: tuple[str, ...] = ()
    # The admin says the text is about pregnancy (implied by the pregnancy conditions).
    pregnancy_topic: bool = False

    @property
    def pregnancy_content(self) -> bool:
        """Written for pregnant women: never sent to someone who lost her pregnancy."""
        return (
            self.pregnancy_topic
            or self.pregnant
            or self.gestation_weeks is not None
            or self.priority_group
        )

    def to_json(self) -> dict[str, Any]:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items() if v}

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Segment:
        known = {f for f in cls.__dataclass_fields__}
        values: dict[str, Any] = {}
        for key, value in raw.items():
            if key not in known:
                raise ValueError(f"unknown segment field {key}")
            values[key] = tuple(value) if isinstance(value, list) else value
        segment = cls(**values)
        for low_high in (segment.gestation_weeks, segment.child_age_months):
            if low_high is not None and (len(low_high) != 2 or low_high[0] > low_high[1]):
                raise ValueError("a range is two numbers, low then high")
        for language in segment.languages:
            if language not in SUPPORTED_LOCALES:
                raise ValueError(f"unknown language {language}")
        return segment

    def matches(self, person: Person) -> bool:
        if self.pregnant and not person.pregnant:
            return False
        if self.parents and not person.parent:
            return False
        if self.districts and not {person.district, person.district_en} & set(self.districts):
            return False
        if self.communities and person.community not in self.communities:
            return False
        if self.colours and (not person.pregnant or person.colour not in self.colours):
            return False
        if self.priority_group and not person.priority_group:
            return False
        if self.gestation_weeks is not None:
            low, high = self.gestation_weeks
            weeks = person.gestation_weeks
            if weeks is None or not low <= weeks <= high:
                return False
        if self.child_age_months is not None:
            low, high = self.child_age_months
            if not any(low <= m <= high for m in person.child_age_months):
                return False
        return not self.languages or person.locale in self.languages


EXCLUSIONS = ("paused", "inactive", "pregnancy_loss")


def exclusion(segment: Segment, person: Person) -> str | None:
    """Why a matching person must not get this broadcast (one of EXCLUSIONS), or None."""
    if person.paused:
        return "paused"
    if not person.active:
        return "inactive"
    if segment.pregnancy_content and person.pregnancy_loss:
        return "pregnancy_loss"
    return None


@dataclass
class Selection:
    """The recipients of a segment, and how many matched but were left out, by reason."""

    recipients: list[Person] = field(default_factory=list)
    excluded: dict[str, int] = field(default_factory=dict)

    def per_language(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for person in self.recipients:
            counts[person.locale] = counts.get(person.locale, 0) + 1
        return counts


def select_people(segment: Segment, people: list[Person]) -> Selection:
    chosen = Selection()
    for person in people:
        if not segment.matches(person):
            continue
        reason = exclusion(segment, person)
        if reason is None:
            chosen.recipients.append(person)
        else:
            chosen.excluded[reason] = chosen.excluded.get(reason, 0) + 1
    return chosen


def text_for(texts: dict[str, str], locale: str, default_locale: str) -> str:
    """The admin's version in the person's language, else the default one, else any."""
    return texts.get(locale) or texts.get(default_locale) or next(iter(texts.values()))
