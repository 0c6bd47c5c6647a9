"""The health guide: which topics and stage guidance a person sees.

No Telegram types here (bot/handlers/guide.py renders). The catalog is read
and checked once per process; the person's profile decides which audience the
menu opens on and which stage guidance is offered, and a pregnancy that has
ended (birth or loss) never yields pregnancy content.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date

from bot import profiles
from bot.domain.stages import child_stage_message, stage_messages_due
from bot.domain.topic_search import find_topics
from bot.education import ContentCatalog, StageMessage, Topic, load_catalog
from bot.runtime import Runtime
from storage.models import Child, Profile

# The menu's audience tabs, in the order shown.
AUDIENCES = ("pregnant", "parent", "everyone")


@functools.cache
def catalog() -> ContentCatalog:
    """Loaded once: the files are checked as a whole, which is too slow per message."""
    return load_catalog()


def topics_in(audience: str) -> tuple[Topic, ...]:
    """The topics of one tab: that audience's own and everyone's ("everyone": general only)."""
    return catalog().topics_for(audience)


def find_topic(topic_id: str) -> Topic | None:
    try:
        return catalog().topic(topic_id)
    except KeyError:
        return None


def search(text: str, locale: str) -> list[Topic]:
    """Topics whose keywords in ``locale`` occur in ``text``, best first."""
    return [catalog().topic(i) for i in find_topics(text, locale, catalog().topics)]


def pregnancy_ongoing(profile: Profile | None) -> bool:
    """Only an affirmed, ongoing pregnancy gets pregnancy content.

    After a birth or a loss ``pregnant`` is cleared and the outcome recorded,
    while the due date stays on file: both are checked so neither alone can
    bring pregnancy messages back. A new pregnancy clears the outcome.
    """
    return (
        profile is not None
        and profile.consent == "given"
        and profile.pregnant
        and profile.pregnancy_outcome is None
        and profile.due_date is not None
    )


def default_audience(profile: Profile | None) -> str:
    """The tab the menu opens on: what she told us, pregnancy first; else everyone's topics."""
    if profile is None or profile.consent != "given":
        return "everyone"
    if pregnancy_ongoing(profile):
        return "pregnant"
    if profile.parent:
        return "parent"
    return "everyone"


@dataclass(frozen=True)
class ChildGuidance:
    """One age-band message and the children it is for (twins share one)."""

    message: StageMessage
    children: tuple[Child, ...]


@dataclass(frozen=True)
class Reader:
    """What the guide needs to know about the person reading it, read once per request."""

    profile: Profile | None
    audience: str
    pregnancy: StageMessage | None
    children: tuple[ChildGuidance, ...]


async def reader(runtime: Runtime, user_id: int) -> Reader:
    """The reader's profile and guidance for today (one session; children only with consent)."""
    today = runtime.today()
    async with runtime.db.session() as session:
        profile = await profiles.get_profile(session, user_id)
        consented = profile is not None and profile.consent == "given"
        kids = await profiles.children_of(session, user_id) if consented else []
    return Reader(
        profile=profile,
        audience=default_audience(profile),
        pregnancy=pregnancy_guidance(profile, today),
        children=child_guidance(kids, today),
    )


def pregnancy_guidance(profile: Profile | None, today: date) -> StageMessage | None:
    """This week's pregnancy message, or None (not pregnant, ended, or outside weeks 4-42)."""
    if profile is None or not pregnancy_ongoing(profile):
        return None
    due = stage_messages_due(
        today,
        due_date=profile.due_date,
        pregnancy_ongoing=True,
        pregnancy_stages=catalog().pregnancy_stages,
    )
    return due[0] if due else None


def child_guidance(children: list[Child], today: date) -> tuple[ChildGuidance, ...]:
    """Each child's age-band message, youngest band first, children sharing a band together."""
    grouped: dict[str, tuple[StageMessage, list[Child]]] = {}
    for child in sorted(children, key=lambda c: c.birth_date, reverse=True):
        message = child_stage_message(child.birth_date, today, catalog().child_stages)
        if message is not None:
            grouped.setdefault(message.id, (message, []))[1].append(child)
    return tuple(ChildGuidance(m, tuple(kids)) for m, kids in grouped.values())
