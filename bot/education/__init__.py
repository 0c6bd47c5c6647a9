"""Health-education content: topics and stage-based messages, loaded from content/."""

from bot.education.catalog import CONTENT_DIR, ContentCatalog, ContentError, load_catalog
from bot.education.model import Source, StageMessage, Topic, TopicText

__all__ = [
    "CONTENT_DIR",
    "ContentCatalog",
    "ContentError",
    "Source",
    "StageMessage",
    "Topic",
    "TopicText",
    "load_catalog",
]
