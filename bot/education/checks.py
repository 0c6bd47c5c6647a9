"""Checks across content items: stage coverage and keyword reachability.

These use the same domain functions the bot runs (stage selection, topic
search), so "valid content" means "behaves as intended", not just "parses".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from bot.config import SUPPORTED_LOCALES
from bot.domain.stages import CHILD_STAGE_MONTHS, PREGNANCY_STAGE_WEEKS, StageKind, stage_candidates
from bot.domain.topic_search import find_topics
from bot.education.model import StageMessage, Topic
from bot.education.parsing import Problems

_SPANS: dict[StageKind, tuple[range, str]] = {
    "pregnancy": (PREGNANCY_STAGE_WEEKS, "week"),
    "child": (CHILD_STAGE_MONTHS, "month"),
}


def check_stage_coverage(
    kind: StageKind, stages: Sequence[StageMessage], where: str, problems: Problems
) -> None:
    """Every age in the span has exactly one most specific message, and none lies outside."""
    span, unit = _SPANS[kind]
    for stage in stages:
        if stage.age_from < span.start or stage.age_until > span.stop:
            problems.add(
                where,
                f"{stage.id} covers {unit}s {stage.age_from}-{stage.age_until - 1}, "
                f"outside {span.start}-{span.stop - 1}",
            )
    for age in span:
        candidates = stage_candidates(age, kind, stages)
        if not candidates:
            problems.add(where, f"no {kind} stage message for {unit} {age}")
            continue
        width = candidates[0].age_until - candidates[0].age_from
        tied = [s.id for s in candidates if s.age_until - s.age_from == width]
        if len(tied) > 1:
            problems.add(where, f"{unit} {age} is claimed equally by {', '.join(tied)}")


def check_unique_ids(ids: Iterable[str], what: str, problems: Problems) -> None:
    seen: set[str] = set()
    for item_id in ids:
        if item_id in seen:
            problems.add(what, f"id {item_id!r} is used twice")
        seen.add(item_id)


def check_keywords_find_their_topic(topics: Sequence[Topic], problems: Problems) -> None:
    """Typing any of a topic's keywords must bring that topic up."""
    for topic in topics:
        for locale in SUPPORTED_LOCALES:
            for keyword in topic.keywords(locale):
                if topic.id not in find_topics(keyword, locale, topics):
                    problems.add(
                        f"{topic.id}.toml [{locale}]",
                        f"keyword {keyword!r} does not find this topic",
                    )
