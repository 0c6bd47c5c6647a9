"""The health-education catalog: every topic and stage message, loaded and checked once.

Loading validates everything (locales, sources, Telegram HTML, lengths, stage
coverage, keywords) and raises one ContentError listing every problem, so a
broken content edit fails at start-up and in the tests rather than in a
mother's chat.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.education.checks import (
    check_keywords_find_their_topic,
    check_stage_coverage,
    check_unique_ids,
)
from bot.education.model import AUDIENCES, StageMessage, Topic
from bot.education.parsing import Problems, read_stage_file, read_topic

CONTENT_DIR = Path(__file__).resolve().parents[2] / "content"


class ContentError(Exception):
    """Content that must not be shipped; ``problems`` lists each one."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)
        lines = "\n".join(f"- {p}" for p in self.problems)
        super().__init__(f"{len(self.problems)} problem(s) in content:\n{lines}")


@dataclass(frozen=True)
class ContentCatalog:
    """Topics in menu order, and the stage messages of each kind."""

    topics: tuple[Topic, ...]
    pregnancy_stages: tuple[StageMessage, ...]
    child_stages: tuple[StageMessage, ...]

    def topic(self, topic_id: str) -> Topic:
        for topic in self.topics:
            if topic.id == topic_id:
                return topic
        raise KeyError(f"no topic {topic_id!r}")

    def topics_for(self, *audiences: str) -> tuple[Topic, ...]:
        """Topics for someone who is any of ``audiences``, plus those for everyone.

        A pregnant woman who also has a toddler asks for ("pregnant", "parent").
        """
        unknown = set(audiences) - AUDIENCES
        if unknown:
            raise ValueError(f"unknown audience(s) {sorted(unknown)}")
        wanted = {*audiences, "everyone"}
        return tuple(t for t in self.topics if t.audience & wanted)

    def stage_message(self, message_id: str) -> StageMessage:
        for message in (*self.pregnancy_stages, *self.child_stages):
            if message.id == message_id:
                return message
        raise KeyError(f"no stage message {message_id!r}")


def load_catalog(content_dir: Path | None = None) -> ContentCatalog:
    """Read and check content/topics/*.toml and content/stages/{pregnancy,child}.toml."""
    content_dir = CONTENT_DIR if content_dir is None else content_dir
    problems = Problems()

    topic_files = sorted((content_dir / "topics").glob("*.toml"))
    if not topic_files:
        problems.add(str(content_dir / "topics"), "no topic files")
    topics = [t for path in topic_files if (t := read_topic(path, problems)) is not None]
    topics.sort(key=lambda t: (t.order, t.id))
    check_keywords_find_their_topic(topics, problems)

    stages_dir = content_dir / "stages"
    pregnancy = read_stage_file(stages_dir / "pregnancy.toml", "pregnancy", problems)
    child = read_stage_file(stages_dir / "child.toml", "child", problems)
    check_stage_coverage("pregnancy", pregnancy, "pregnancy.toml", problems)
    check_stage_coverage("child", child, "child.toml", problems)
    check_unique_ids((m.id for m in (*pregnancy, *child)), "stages", problems)

    if problems:
        raise ContentError(problems)
    return ContentCatalog(
        topics=tuple(topics),
        pregnancy_stages=tuple(pregnancy),
        child_stages=tuple(child),
    )
