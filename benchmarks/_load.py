"""Shared by benchmarks/updates.py and benchmarks/alerts.py: a database of one's own, a
world of people, updates pushed straight to the fake Bot API, and clocks at the fake.

Times are taken at the fake: an update's clock starts when it is queued for
getUpdates (`push_update`) and stops when the fake records a call the bot made in
answer (`ApiCall.at`, both `time.monotonic()`). The fake is subclassed here, never
edited, so that each recorded call reaches a listener at once.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import math
import sys
import tempfile
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from bot.config import Settings, normalise_database_url
from bot.devtools.fake_telegram import ApiCall, FakeTelegram
from storage.db import Database
from storage.models import Community, Profile, Staff, StaffCommunity, User

log = logging.getLogger("bench")

HELP_TEXTS = ["/help", "/guide", "/me"]
MENU_TEXTS = {"en": "📖 Guide", "zh-hans": "📖 健康指导"}
QUESTIONS = {
    "en": ["how to wash hands", "how to wear a mask", "ventilation at home", "feeling stressed"],
    "zh-hans": ["怎么洗手", "口罩怎么戴", "怎么开窗通风", "心情不好"],
}
BLEEDING = {"en": "Vaginal bleeding", "zh-hans": "阴道出血"}
COMMUNITIES = ["C001", "C002", "C003", "C004", "C005"]
STAFF_BASE = 800_000
MOTHER_BASE = 100_000
PERSON_BASE = 200_000


def stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile, in the values' unit; None when there are none."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def ms(value: float | None) -> float | None:
    return None if value is None else round(value * 1000, 1)


# ---- the database ----------------------------------------------------------------------


@contextlib.asynccontextmanager
async def database(database_url: str | None) -> AsyncIterator[str]:
    """A migrated, empty database: a temporary SQLite file, or the given PostgreSQL
    database (created if missing, its public schema dropped and rebuilt)."""
    with tempfile.TemporaryDirectory() as tmp:
        url = normalise_database_url(database_url or f"sqlite:///{Path(tmp) / 'bench.sqlite3'}")
        if url.startswith("postgresql"):
            await _fresh_postgres(url)
        db = Database(url)
        await db.upgrade()
        await db.dispose()
        yield url


async def _fresh_postgres(url: str) -> None:
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not name or name in {"test", "postgres", "template0", "template1"}:
        raise SystemExit(f"refusing to empty database {name!r}: name a benchmark database")
    admin = create_async_engine(
        urlunsplit(parts._replace(path="/postgres")), isolation_level="AUTOCOMMIT"
    )
    async with admin.connect() as conn:
        exists = await conn.scalar(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
        )
        if not exists:
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
    await admin.dispose()
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        await conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        await conn.execute(text("CREATE SCHEMA public"))
    await engine.dispose()


def settings_for(url: str, concurrent_updates: int | None) -> Settings:
    extra: dict[str, Any] = {}
    if concurrent_updates is not None:
        extra["CONCURRENT_UPDATES"] = concurrent_updates
    return Settings(_env_file=None, DATABASE_URL=url, **extra)  # type: ignore[call-arg]


def backend(url: str) -> str:
    return "postgresql" if url.startswith("postgresql") else "sqlite"


# ---- the world ---------------------------------------------------------------------------


@dataclass
class Person:
    id: int
    language: str  # Telegram language_code
    mother: bool = False

    @property
    def community(self) -> str:
        return COMMUNITIES[self.id % len(COMMUNITIES)]


def people(count: int, mothers: int, base: int = PERSON_BASE) -> list[Person]:
    """`count` people, the first `mothers` of them pregnant women; half read Chinese."""
    return [
        Person(
            base + i if i >= mothers else MOTHER_BASE + i,
            "zh-hans" if i % 2 == 0 else "en",
            mother=i < mothers,
        )
        for i in range(count)
    ]


async def seed(url: str, everyone: list[Person]) -> list[int]:
    """Communities, one staff member each (who reads English), and the mothers' profiles
    (consenting, 30 weeks pregnant, in a community), as tests/factories.py builds them.
    Returns the staff ids."""
    db = Database(url)
    now = datetime.now(UTC)
    staff_ids = [STAFF_BASE + n for n in range(len(COMMUNITIES))]
    async with db.session() as session:
        for code, staff_id in zip(COMMUNITIES, staff_ids, strict=True):
            session.add(
                Community(
                    code=code,
                    name_zh=f"社区{code}",
                    name_en=f"Community {code}",
                    district_zh="东城区",
                    district_en="Dongcheng District",
                    latitude=31.23,
                    longitude=121.47,
                )
            )
            session.add(Staff(user_id=staff_id, role="staff", display_name=f"Staff {code}"))
            session.add(User(id=staff_id, chat_id=staff_id, locale="en", created_at=now))
        await session.flush()
        for code, staff_id in zip(COMMUNITIES, staff_ids, strict=True):
            session.add(StaffCommunity(staff_id=staff_id, community_code=code))
        for person in everyone:
            if not person.mother:
                continue
            locale = "zh_Hans" if person.language == "zh-hans" else "en"
            session.add(User(id=person.id, chat_id=person.id, locale=locale, created_at=now))
        await session.flush()
        for person in everyone:
            if not person.mother:
                continue
            session.add(
                Profile(
                    user_id=person.id,
                    consent="given",
                    consent_at=now,
                    display_name=f"Mother {person.id}",
                    pregnant=True,
                    due_date=now.date() + timedelta(days=280 - 30 * 7),
                    dating_method="due_date",
                    community_code=person.community,
                    phone="13800000000",
                    onboarded_at=now,
                )
            )
    await db.dispose()
    return staff_ids


# ---- updates -------------------------------------------------------------------------------


class Updates:
    """Builds update payloads the way Telegram's servers would."""

    def __init__(self, first_id: int = 1) -> None:
        self._ids = iter(range(first_id, 10**9))
        self._message_ids = iter(range(1000, 10**9))

    def next_id(self) -> int:
        return next(self._ids)

    @staticmethod
    def _from(person: Person) -> dict[str, Any]:
        return {
            "id": person.id,
            "is_bot": False,
            "first_name": f"P{person.id}",
            "language_code": person.language,
        }

    def message(self, person: Person, text_: str) -> dict[str, Any]:
        content: dict[str, Any] = {"text": text_}
        if text_.startswith("/"):
            command = text_.split()[0]
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return {
            "update_id": self.next_id(),
            "message": {
                "message_id": next(self._message_ids),
                "date": int(time.time()),
                "chat": {"id": person.id, "type": "private", "first_name": f"P{person.id}"},
                "from": self._from(person),
                **content,
            },
        }

    def press(self, person: Person, data: str, on: ApiCall | None = None) -> dict[str, Any]:
        """A button press on `on` (a message the bot sent), or on a stand-in message."""
        result = on.result if on is not None and isinstance(on.result, dict) else {}
        message = {
            "message_id": result.get("message_id", 1),
            "date": int(time.time()),
            "chat": {"id": person.id, "type": "private", "first_name": f"P{person.id}"},
            "from": result.get("from") or {"id": 1, "is_bot": True, "first_name": "Bot"},
            "text": (on.text if on is not None else "") or "-",
        }
        if on is not None and on.reply_markup:
            message["reply_markup"] = on.reply_markup
        update_id = self.next_id()
        return {
            "update_id": update_id,
            "callback_query": {
                "id": f"q{update_id}",
                "from": self._from(person),
                "chat_instance": str(person.id),
                "message": message,
                "data": data,
            },
        }


def last_keyboard(calls: list[ApiCall], chat_id: int) -> ApiCall | None:
    for call in reversed(calls):
        if call.ok and call.chat_id == chat_id and call.inline_buttons:
            return call
    return None


def button_data(call: ApiCall, label: str) -> str:
    for b in call.inline_buttons:
        if label in b["text"]:
            return str(b["callback_data"])
    raise LookupError(f"no button {label!r} among {[b['text'] for b in call.inline_buttons]}")


# ---- the fake, with a listener --------------------------------------------------------------


class ListenedTelegram(FakeTelegram):
    """The fake Bot API, telling listeners about every call as it is recorded, and
    remembering when each update was queued (both on `time.monotonic()`)."""

    def __init__(self) -> None:
        super().__init__()
        self.listeners: list[Callable[[ApiCall], None]] = []
        self.queued_at: dict[int, float] = {}

    async def push_update(self, update: dict[str, Any]) -> None:
        self.queued_at[update["update_id"]] = time.monotonic()
        await super().push_update(update)

    async def _record(self, call: ApiCall) -> None:
        for listener in self.listeners:
            listener(call)
        await super()._record(call)


# ---- attributing the fake's calls to updates ---------------------------------------------------


@dataclass
class Tracked:
    update_id: int
    chat_id: int
    queued: float
    answered: float | None = None
    finished: asyncio.Event = field(default_factory=asyncio.Event)


class Attribution:
    """Which update each call at the fake answers.

    The bot handles one person's updates strictly in order and tells its processor's
    `finished` hook when each is over, so a call into a person's chat belongs to the
    oldest of their updates not yet finished; a button answer names its query.
    For the echo bot, whose replies carry the update id, `echo=True`.
    """

    def __init__(self, *, echo: bool = False) -> None:
        self.echo = echo
        self.updates: dict[int, Tracked] = {}
        self._open: dict[int, deque[int]] = {}
        self.other_calls: list[ApiCall] = []

    def queued(self, update_id: int, chat_id: int, at: float) -> Tracked:
        tracked = Tracked(update_id, chat_id, at)
        self.updates[update_id] = tracked
        self._open.setdefault(chat_id, deque()).append(update_id)
        return tracked

    def on_call(self, call: ApiCall) -> None:
        if call.method in {"getUpdates", "getMe", "deleteWebhook", "setMyCommands"}:
            return
        if not call.ok:
            return
        if self.echo:
            words = call.text.split()
            if call.method == "sendMessage" and len(words) == 2 and words[0] == "echo":
                tracked = self.updates.get(int(words[1]))
                if tracked is not None and tracked.answered is None:
                    tracked.answered = call.at
                    tracked.finished.set()
                    return
            self.other_calls.append(call)
            return
        if call.method == "answerCallbackQuery":
            query = str(call.params.get("callback_query_id", ""))
            tracked = self.updates.get(int(query[1:])) if query[1:].isdigit() else None
        else:
            waiting = self._open.get(call.chat_id or 0)
            tracked = self.updates.get(waiting[0]) if waiting else None
        if tracked is None:
            self.other_calls.append(call)
        elif tracked.answered is None:
            tracked.answered = call.at

    def finished(self, update_id: int) -> None:
        tracked = self.updates.get(update_id)
        if tracked is None:
            return
        waiting = self._open.get(tracked.chat_id)
        if waiting and update_id in waiting:
            waiting.remove(update_id)
        tracked.finished.set()

    def latencies(self) -> list[float]:
        return [t.answered - t.queued for t in self.updates.values() if t.answered is not None]

    def unanswered(self) -> list[int]:
        return [t.update_id for t in self.updates.values() if t.answered is None]


def run(
    doc: str,
    main: Callable[[argparse.Namespace], Awaitable[None]],
    own_arguments: Callable[[argparse.ArgumentParser], None],
) -> None:
    """A benchmark's start: its own and the common arguments, quiet logs, then `main`."""
    parser = argparse.ArgumentParser(description=doc.split("\n")[0])
    own_arguments(parser)
    common_arguments(parser)
    arguments = parser.parse_args()
    quiet_logs()
    asyncio.run(main(arguments))


def common_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--database-url",
        default=None,
        help="default: a temporary SQLite file; PostgreSQL e.g. "
        "postgresql://postgres@127.0.0.1:5432/mch_bench (its public schema is emptied)",
    )
    parser.add_argument(
        "--concurrent-updates", type=int, default=None, help="CONCURRENT_UPDATES (default: 32)"
    )


def quiet_logs() -> None:
    logging.basicConfig(
        stream=sys.stderr, level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)
