"""The content items as the bot uses them: topics, stage messages, their sources.

Texts are stored as written (Telegram HTML with placeholders such as
``{emergency_number}``) and filled in at send time, because the emergency
number is configuration, not content.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

# zh_Hans is the bot's default language (BRIEF); an unknown locale reads it.
DEFAULT_LOCALE = "zh_Hans"
AUDIENCES = frozenset({"pregnant", "parent", "everyone"})
PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
KNOWN_PLACEHOLDERS = frozenset({"emergency_number"})


def fill_placeholders(template: str, *, emergency_number: str) -> str:
    """Put the configured values into a text; values are escaped for Telegram HTML."""
    values = {"emergency_number": html.escape(emergency_number)}
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), template)


@dataclass(frozen=True)
class Source:
    """Where a content item's facts come from, so reviewers can check them."""

    title: str
    publisher: str
    year: int
    url: str | None = None


@dataclass(frozen=True)
class TopicText:
    """One topic in one language."""

    title: str
    keywords: tuple[str, ...]
    text: str


@dataclass(frozen=True)
class Topic:
    """A health-education topic shown from the menu or found by keywords."""

    id: str
    audience: frozenset[str]
    order: int
    last_reviewed: date
    sources: tuple[Source, ...]
    texts: Mapping[str, TopicText] = field(hash=False)

    def localized(self, locale: str) -> TopicText:
        return self.texts.get(locale) or self.texts[DEFAULT_LOCALE]

    def title(self, locale: str) -> str:
        return self.localized(locale).title

    def keywords(self, locale: str) -> tuple[str, ...]:
        return self.localized(locale).keywords

    def render(self, locale: str, *, emergency_number: str) -> str:
        """The message text, ready to send with parse_mode=HTML."""
        return fill_placeholders(self.localized(locale).text, emergency_number=emergency_number)


@dataclass(frozen=True)
class StageMessage:
    """A message tied to a pregnancy week or a child's age.

    It applies while the age, in completed weeks (kind "pregnancy") or
    completed months (kind "child"), is in ``[age_from, age_until)``.
    Pregnancy messages are for an ongoing pregnancy only: never send one after
    a birth or a pregnancy loss.
    """

    id: str
    kind: str
    age_from: int
    age_until: int
    sources: tuple[Source, ...]
    texts: Mapping[str, str] = field(hash=False)

    def render(self, locale: str, *, emergency_number: str) -> str:
        template = self.texts.get(locale) or self.texts[DEFAULT_LOCALE]
        return fill_placeholders(template, emergency_number=emergency_number)
