"""Reading an admin's /broadcast message: the segment and options, then each language's text.

    /broadcast pregnant community=C001 weeks=28-40 urgent at=2026-12-03T09:00
    zh: <b>高温预警</b> ...
    en: <b>Heat warning</b> ...

The first line names the segment (words combined with AND; none is everyone)
and options; every later line starting with "zh:" or "en:" begins that
language's version, and lines after it continue it. Pure: no Telegram, no
database; errors are BroadcastError codes the handler words.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo

from bot.broadcasts.segments import Segment

LANGUAGE_PREFIXES = {"zh": "zh_Hans", "zh_hans": "zh_Hans", "en": "en"}
FLAGS = {
    "everyone": {},
    "pregnant": {"pregnant": True},
    "parents": {"parents": True},
    "priority": {"priority_group": True},
    "pregnancy-topic": {"pregnancy_topic": True},
}
LISTS = {
    "district": "districts",
    "community": "communities",
    "colour": "colours",
    "color": "colours",
    "lang": "languages",
}
RANGES = {"weeks": "gestation_weeks", "months": "child_age_months"}


class ComposeError(ValueError):
    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}")
        self.code, self.detail = code, detail


@dataclass(frozen=True)
class Composed:
    segment: Segment
    texts: dict[str, str]
    urgent: bool
    send_at: datetime | None


def _range(word: str, value: str) -> tuple[int, int]:
    low, _, high = value.partition("-")
    try:
        return int(low), int(high or low)
    except ValueError:
        raise ComposeError("bad_option", word) from None


def parse(text: str, zone: tzinfo) -> Composed:
    first, *rest = text.split("\n")
    words = first.split()[1:]  # after the command itself
    fields: dict[str, object] = {}
    urgent, send_at = False, None
    for word in words:
        key, _, value = word.partition("=")
        key = key.lower()
        if not value and key in FLAGS:
            fields.update(FLAGS[key])
        elif not value and key == "urgent":
            urgent = True
        elif key == "at" and value:
            try:
                send_at = datetime.fromisoformat(value).replace(tzinfo=zone)
            except ValueError:
                raise ComposeError("bad_option", word) from None
        elif key in LISTS and value:
            items = tuple(v for v in value.split(",") if v)
            if key == "lang":
                items = tuple(LANGUAGE_PREFIXES.get(v.lower(), v) for v in items)
            fields[LISTS[key]] = items
        elif key in RANGES and value:
            fields[RANGES[key]] = _range(word, value)
        else:
            raise ComposeError("bad_option", word)
    try:
        segment = Segment.from_json(
            {k: list(v) if isinstance(v, tuple) else v for k, v in fields.items()}
        )
    except ValueError as error:
        raise ComposeError("bad_option", str(error)) from None
    return Composed(segment, _texts(rest), urgent, send_at)


def _texts(lines: list[str]) -> dict[str, str]:
    texts: dict[str, list[str]] = {}
    current: str | None = None
    for line in lines:
        prefix, colon, body = line.partition(":")
        locale = LANGUAGE_PREFIXES.get(prefix.strip().lower()) if colon else None
        if locale is not None:
            current = locale
            texts[current] = [body.strip()]
        elif current is not None:
            texts[current].append(line)
        elif line.strip():
            raise ComposeError("no_language", line[:40])
    return {k: "\n".join(v).strip() for k, v in texts.items() if "\n".join(v).strip()}
