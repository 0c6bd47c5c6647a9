"""Read content TOML files into model objects, recording every problem found.

An author fixing content wants the whole list at once rather than one error
per run, so the readers note each problem and carry on; the catalog raises
once at the end with all of them.
"""

from __future__ import annotations

import re
import tomllib
from datetime import date, datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any

from bot.config import SUPPORTED_LOCALES
from bot.education.model import (
    AUDIENCES,
    KNOWN_PLACEHOLDERS,
    PLACEHOLDER,
    Source,
    StageMessage,
    Topic,
    TopicText,
    fill_placeholders,
)
from bot.education.telegram_html import MAX_MESSAGE_LENGTH, message_length, telegram_html_problems

# Titles go on inline buttons; a Chinese character is about two Latin ones wide.
TITLE_LIMITS = {"zh_Hans": 12, "en": 24}
# Ids travel in callback_data (64 bytes) next to a prefix, and are stable keys
# the scheduler dedupes by: short, lower-case, ASCII.
ID_PATTERN = re.compile(r"[a-z][a-z0-9_]{0,39}")
# Texts are checked filled with the longest number the configuration accepts
# (EMERGENCY_NUMBER allows 20 characters), so no deployment can push one over
# Telegram's limit.
SAMPLE_EMERGENCY_NUMBER = "+86 755 2345 678 901"

_TOPIC_KEYS = {"id", "audience", "order", "last_reviewed", "sources", *SUPPORTED_LOCALES}
_TOPIC_TEXT_KEYS = {"title", "keywords", "text"}
_SOURCE_KEYS = {"title", "publisher", "year", "url"}
_STAGE_AGE_KEYS = {
    "pregnancy": ("first_week", "last_week"),
    "child": ("from_months", "until_months"),
}
_YEARS = range(1900, 2101)


class Problems(list[str]):
    def add(self, where: str, message: str) -> None:
        self.append(f"{where}: {message}")


def read_toml(path: Path, problems: Problems) -> dict[str, Any] | None:
    try:
        with path.open("rb") as fp:
            return tomllib.load(fp)
    except FileNotFoundError:
        problems.add(str(path), "file is missing")
    except tomllib.TOMLDecodeError as exc:
        problems.add(str(path), f"not valid TOML: {exc}")
    return None


def read_topic(path: Path, problems: Problems) -> Topic | None:
    """One topic file; None when it is too broken to use."""
    where = path.name
    data = read_toml(path, problems)
    if data is None:
        return None
    before = len(problems)
    _unknown_keys(data, _TOPIC_KEYS, where, problems)
    topic_id = _string(data, "id", where, problems)
    if topic_id is not None and topic_id != path.stem:
        problems.add(where, f"id {topic_id!r} must match the file name {path.stem!r}")
    _check_id(topic_id, where, problems)
    audience = _string_list(data, "audience", where, problems)
    for name in sorted(set(audience) - AUDIENCES):
        problems.add(where, f"audience {name!r} is not one of {sorted(AUDIENCES)}")
    order = _integer(data, "order", where, problems)
    reviewed = _date(data, "last_reviewed", where, problems)
    sources = _sources(data, where, problems)
    texts = {}
    for locale in SUPPORTED_LOCALES:
        text = _topic_text(data, locale, where, problems)
        if text is not None:
            texts[locale] = text
    if len(problems) > before or topic_id is None or order is None or reviewed is None:
        return None
    return Topic(
        id=topic_id,
        audience=frozenset(audience),
        order=order,
        last_reviewed=reviewed,
        sources=sources,
        texts=MappingProxyType(texts),
    )


def _topic_text(
    data: dict[str, Any], locale: str, where: str, problems: Problems
) -> TopicText | None:
    table = _table(data, locale, where, problems)
    if table is None:
        return None
    where = f"{where} [{locale}]"
    _unknown_keys(table, _TOPIC_TEXT_KEYS, where, problems)
    title = _string(table, "title", where, problems)
    limit = TITLE_LIMITS.get(locale)
    if title is not None and limit is not None and len(title) > limit:
        problems.add(where, f"title {title!r} is {len(title)} characters; at most {limit}")
    keywords = _string_list(table, "keywords", where, problems)
    text = _string(table, "text", where, problems)
    if text is not None:
        check_text(text, where, problems)
    if title is None or text is None or not keywords:
        return None
    return TopicText(title=title, keywords=tuple(keywords), text=text)


def read_stage_file(path: Path, kind: str, problems: Problems) -> list[StageMessage]:
    """All stage messages of one kind from content/stages/<kind>.toml."""
    data = read_toml(path, problems)
    if data is None:
        return []
    where = path.name
    _unknown_keys(data, {"kind", "messages"}, where, problems)
    if data.get("kind") != kind:
        problems.add(where, f"kind must be {kind!r}")
    entries = data.get("messages")
    if not isinstance(entries, list) or not entries:
        problems.add(where, "needs at least one [[messages]] entry")
        return []
    messages = []
    for index, entry in enumerate(entries, start=1):
        message = _stage_message(entry, kind, f"{where} message {index}", problems)
        if message is not None:
            messages.append(message)
    return messages


def _stage_message(
    entry: dict[str, Any], kind: str, where: str, problems: Problems
) -> StageMessage | None:
    before = len(problems)
    first_key, last_key = _STAGE_AGE_KEYS[kind]
    _unknown_keys(
        entry, {"id", first_key, last_key, "sources", *SUPPORTED_LOCALES}, where, problems
    )
    message_id = _string(entry, "id", where, problems)
    if message_id is not None:
        where = f"{where} ({message_id})"
    _check_id(message_id, where, problems)
    first = _integer(entry, first_key, where, problems)
    last = _integer(entry, last_key, where, problems)
    # Weeks are written inclusive ("weeks 4-8"), months as boundaries ("1-6 months").
    age_until = None if last is None else last + 1 if kind == "pregnancy" else last
    if first is not None and age_until is not None and not 0 <= first < age_until:
        problems.add(where, f"{first_key} {first} and {last_key} {last} give no ages")
    sources = _sources(entry, where, problems)
    texts = {}
    for locale in SUPPORTED_LOCALES:
        table = _table(entry, locale, where, problems)
        if table is None:
            continue
        _unknown_keys(table, {"text"}, f"{where} [{locale}]", problems)
        text = _string(table, "text", f"{where} [{locale}]", problems)
        if text is not None:
            check_text(text, f"{where} [{locale}]", problems)
            texts[locale] = text
    if len(problems) > before or message_id is None or first is None or age_until is None:
        return None
    return StageMessage(
        id=message_id,
        kind=kind,
        age_from=first,
        age_until=age_until,
        sources=sources,
        texts=MappingProxyType(texts),
    )


def check_text(text: str, where: str, problems: Problems) -> None:
    """A text must fill in, parse as Telegram HTML and fit in one message."""
    for name in sorted(set(PLACEHOLDER.findall(text)) - KNOWN_PLACEHOLDERS):
        problems.add(where, f"unknown placeholder {{{name}}}")
    filled = fill_placeholders(text, emergency_number=SAMPLE_EMERGENCY_NUMBER)
    for problem in telegram_html_problems(filled):
        problems.add(where, f"invalid Telegram HTML: {problem}")
    length = message_length(filled)
    if length > MAX_MESSAGE_LENGTH:
        problems.add(
            where, f"text is {length} characters when filled in; at most {MAX_MESSAGE_LENGTH}"
        )


def _sources(data: dict[str, Any], where: str, problems: Problems) -> tuple[Source, ...]:
    entries = data.get("sources")
    if not isinstance(entries, list) or not entries:
        problems.add(where, "needs at least one [[sources]] entry")
        return ()
    sources = []
    for index, entry in enumerate(entries, start=1):
        at = f"{where} source {index}"
        if not isinstance(entry, dict):
            problems.add(at, "must be a table")
            continue
        _unknown_keys(entry, _SOURCE_KEYS, at, problems)
        title = _string(entry, "title", at, problems)
        publisher = _string(entry, "publisher", at, problems)
        year = _integer(entry, "year", at, problems)
        if year is not None and year not in _YEARS:
            problems.add(at, f"year {year} is not plausible")
        url = _string(entry, "url", at, problems, required=False)
        if url is not None and not url.startswith(("https://", "http://")):
            problems.add(at, f"url {url!r} must start with http:// or https://")
        if title and publisher and year is not None:
            sources.append(Source(title=title, publisher=publisher, year=year, url=url))
    return tuple(sources)


def _check_id(value: str | None, where: str, problems: Problems) -> None:
    if value is not None and not ID_PATTERN.fullmatch(value):
        problems.add(where, f"id {value!r} must be lower-case letters, digits and _, at most 40")


def _unknown_keys(table: dict[str, Any], allowed: set[str], where: str, problems: Problems) -> None:
    for key in sorted(set(table) - allowed):
        problems.add(where, f"unknown key {key!r}")


def _table(data: dict[str, Any], key: str, where: str, problems: Problems) -> dict[str, Any] | None:
    value = data.get(key)
    if value is None:
        problems.add(where, f"missing locale [{key}]")
    elif not isinstance(value, dict):
        problems.add(where, f"{key} must be a table")
    else:
        return value
    return None


def _string(
    data: dict[str, Any], key: str, where: str, problems: Problems, *, required: bool = True
) -> str | None:
    value = data.get(key)
    if value is None:
        if required:
            problems.add(where, f"missing {key!r}")
        return None
    if not isinstance(value, str) or not value.strip():
        problems.add(where, f"{key!r} must be a non-empty string")
        return None
    return value.strip()


def _integer(data: dict[str, Any], key: str, where: str, problems: Problems) -> int | None:
    value = data.get(key)
    if value is None:
        problems.add(where, f"missing {key!r}")
    elif isinstance(value, bool) or not isinstance(value, int):
        problems.add(where, f"{key!r} must be an integer")
    else:
        return value
    return None


def _string_list(data: dict[str, Any], key: str, where: str, problems: Problems) -> list[str]:
    value = data.get(key)
    if not isinstance(value, list) or not value:
        problems.add(where, f"{key!r} must be a non-empty list of strings")
        return []
    if not all(isinstance(item, str) and item.strip() for item in value):
        problems.add(where, f"{key!r} must contain only non-empty strings")
        return []
    return [item.strip() for item in value]


def _date(data: dict[str, Any], key: str, where: str, problems: Problems) -> date | None:
    value = data.get(key)
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    problems.add(where, f"{key!r} must be an ISO date such as 2026-11-23")
    return None
