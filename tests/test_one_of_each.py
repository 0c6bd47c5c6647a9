"""One piece of logic, one place: the twins issue 10 found must not grow back.

Each check reads the source of bot/ and storage/ and names the file that holds a
second copy, so the fix is to import the one helper rather than write another.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted(p for d in ("bot", "storage") for p in (ROOT / d).rglob("*.py"))

TWINS = [
    # (what, pattern, the one file allowed to hold it)
    ("add_months", r"^\s*def add_months\(", "bot/domain/dates.py"),
    ("completed months", r"^\s*def (completed_months|_?months_between)\(", "bot/domain/dates.py"),
    (
        "the locale list",
        r"""[(\[{]\s*["'](zh_Hans|en)["']\s*,\s*["'](zh_Hans|en)["']\s*,?\s*[)\]}]""",
        "bot/domain/locales.py",
    ),
    (
        "send to this chat",
        r"send_message\(\s*(chat\.id|update\.effective_chat\.id|_?chat_id\(update\)"
        r"|chat_id_of\(update\))",
        "bot/conversation/chat.py",
    ),
    ("the chat of an update", r"^\s*def _?chat_id(_of)?\(update", "bot/conversation/chat.py"),
]


def _holders(pattern: str) -> dict[str, int]:
    found: dict[str, int] = {}
    for path in SOURCES:
        count = len(re.findall(pattern, path.read_text(encoding="utf-8"), re.MULTILINE))
        if count:
            found[str(path.relative_to(ROOT))] = count
    return found


@pytest.mark.parametrize(("what", "pattern", "home"), TWINS, ids=[t[0] for t in TWINS])
def test_there_is_exactly_one(what: str, pattern: str, home: str) -> None:
    holders = _holders(pattern)
    assert holders == {home: 1}, f"{what}: use the one in {home}"


def test_the_checks_would_see_a_twin() -> None:
    """The patterns match the twins this test replaced, so a passing run means something."""
    twins = {
        "add_months": "def add_months(start: date, months: int) -> date:",
        "completed months": "def completed_months(birth_date: date, on: date) -> int | None:",
        "the locale list": 'LOCALES = ("zh_Hans", "en")',
        "send to this chat": "await context.bot.send_message(chat.id, text)",
        "the chat of an update": "def _chat_id(update: Update) -> int:",
    }
    for what, pattern, _home in TWINS:
        assert re.search(pattern, twins[what], re.MULTILINE), what
