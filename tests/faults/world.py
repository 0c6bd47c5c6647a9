"""Real processes for fault tests: the fake Bot API, bot workers, a TCP proxy, people.

The fake Telegram (bot/devtools/fake_server.py) runs in a process of its own
that outlives every bot process, so `kill -9` of the bot is real and what
reached "Telegram" is counted by something the bot cannot take down with it.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import signal
import sys
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from bot.config import normalise_database_url
from tests.conftest import POSTGRES_URL

ROOT = Path(__file__).resolve().parents[2]
SECRET = "fault-test-secret"
Call = dict[str, Any]


def figures(name: str, **values: Any) -> None:
    """Print a fault test's counts (pytest -s shows them; MCH_FAULT_FIGURES collects them)."""
    database = "postgresql" if POSTGRES_URL else "sqlite"
    line = json.dumps({"test": name, "database": database} | values)
    print(line)
    target = os.environ.get("MCH_FAULT_FIGURES")
    if target:
        with open(target, "a", encoding="utf-8") as out:
            out.write(line + "\n")


@contextlib.asynccontextmanager
async def fault_database(tmp_path: Path) -> AsyncIterator[str]:
    """A database of the test's own: a SQLite file, or a fresh PostgreSQL database."""
    if not POSTGRES_URL:
        yield f"sqlite:///{tmp_path / 'fault.sqlite3'}"
        return
    server = normalise_database_url(POSTGRES_URL)
    name = f"mch_fault_{uuid.uuid4().hex[:10]}"
    admin = create_async_engine(server, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.rsplit("/", 1)[0] + f"/{name}"
    finally:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


class FakeApi:
    """The fake Bot API process and its control API."""

    def __init__(self) -> None:
        self.process: asyncio.subprocess.Process | None = None
        self.port = 0
        self.token = ""
        self.http: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> FakeApi:
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.devtools.fake_server",
            cwd=ROOT, stdout=asyncio.subprocess.PIPE,
        )  # fmt: skip
        assert self.process.stdout is not None
        async with asyncio.timeout(30):
            ready = json.loads(await self.process.stdout.readline())
        self.port, self.token = ready["port"], ready["token"]
        self.http = aiohttp.ClientSession()
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self.http is not None:
            await self.http.close()
        if self.process is not None and self.process.returncode is None:
            self.process.terminate()
            await self.process.wait()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    def _url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}/control/{path}"

    async def queue(self, *updates: dict[str, Any]) -> None:
        assert self.http is not None
        async with self.http.post(self._url("updates"), json={"updates": list(updates)}) as r:
            r.raise_for_status()

    async def calls(self) -> list[Call]:
        assert self.http is not None
        async with self.http.get(self._url("calls")) as r:
            return list((await r.json())["calls"])

    async def chaos(self, rate: float, *, seed: int = 1, late_delay: float = 1.5) -> None:
        assert self.http is not None
        body = {"rate": rate, "seed": seed, "late_delay": late_delay}
        async with self.http.post(self._url("chaos"), json=body) as r:
            r.raise_for_status()

    async def wait(
        self, done: Callable[[list[Call]], bool], *, timeout: float = 60.0, what: str = ""
    ) -> list[Call]:
        deadline = time.monotonic() + timeout
        while True:
            calls = await self.calls()
            if done(calls):
                return calls
            if time.monotonic() > deadline:
                raise AssertionError(f"the fake Bot API did not see {what or 'it'} in time")
            await asyncio.sleep(0.1)


def delivered(calls: list[Call], method: str = "sendMessage") -> list[Call]:
    return [c for c in calls if c["ok"] and c["method"] == method]


def texts_to(calls: list[Call], chat_id: int) -> list[str]:
    return [str(c["params"].get("text", "")) for c in delivered(calls) if _chat(c) == chat_id]


def _chat(call: Call) -> int | None:
    value = call["params"].get("chat_id")
    return int(value) if value is not None else None


def duplicates(counts: Counter[str]) -> int:
    return sum(n - 1 for n in counts.values() if n > 1)


class BotProcess:
    """`python -m bot run` as a real process against the fake."""

    def __init__(self, fake: FakeApi, database_url: str, workdir: Path, **env: str) -> None:
        self.fake = fake
        self.database_url = database_url
        self.workdir = workdir
        self.env = env
        self.process: asyncio.subprocess.Process | None = None
        self.webhook_port = int(env["WEBHOOK_PORT"]) if "WEBHOOK_PORT" in env else None
        self.log = workdir / f"bot-{id(self)}.log"

    @property
    def webhook_url(self) -> str:
        return f"http://127.0.0.1:{self.webhook_port}/telegram/webhook"

    async def start(self) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "WEBHOOK_"))}
        env |= {
            "PYTHONPATH": str(ROOT),
            "TELEGRAM_BOT_TOKEN": self.fake.token,
            "TELEGRAM_API_BASE_URL": self.fake.base_url,
            "DATABASE_URL": self.database_url,
            "INBOX_LEASE_SECONDS": "3",
            "SEND_TIMEOUT_SECONDS": "5",
            "OUTBOX_LEASE_SECONDS": "4",
            # These stories are about updates; a scheduled check-in in the same chats
            # would be a keyboard nobody in them expects (see tests/conftest.py).
            "FOLLOWUP_ENABLED": "false",
        }
        if self.webhook_port is not None:
            env |= {"WEBHOOK_URL": self.webhook_url, "WEBHOOK_SECRET": SECRET}
            env |= {"WEBHOOK_LISTEN": "127.0.0.1"}
        env |= self.env
        self.workdir.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as log:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "run",
                cwd=self.workdir, env=env, stdout=log, stderr=log,
            )  # fmt: skip
        await self._ready()

    async def _ready(self) -> None:
        deadline = time.monotonic() + 60
        async with aiohttp.ClientSession() as http:
            while time.monotonic() < deadline:
                assert self.process is not None
                if self.process.returncode is not None:
                    raise AssertionError(f"the bot exited: {self.log.read_text()[-2000:]}")
                if self.webhook_port is not None:
                    with contextlib.suppress(aiohttp.ClientError):
                        url = f"http://127.0.0.1:{self.webhook_port}/healthz"
                        async with http.get(url) as r:
                            if r.status == 200:
                                return
                elif "long polling started" in self.log.read_text(errors="replace"):
                    return
                await asyncio.sleep(0.1)
        raise AssertionError("the bot did not become ready")

    def kill(self) -> None:
        """SIGKILL: no cleanup, no goodbye, as a machine losing power."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)

    async def wait_dead(self) -> None:
        assert self.process is not None
        await self.process.wait()

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.terminate()
            try:
                async with asyncio.timeout(30):
                    await self.process.wait()
            except TimeoutError:
                self.process.kill()
                await self.process.wait()

    async def post(self, http: aiohttp.ClientSession, update: dict[str, Any]) -> int:
        """Deliver an update to this worker's webhook, as Telegram does."""
        headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        async with http.post(self.webhook_url, json=update, headers=headers) as r:
            return r.status


_update_ids = itertools.count(1)


def next_update_id() -> int:
    """Increasing, as Telegram's are (polling drops ids below the confirmed offset)."""
    return next(_update_ids)


class Person:
    """Someone in a private chat: builds the updates Telegram would send for them."""

    def __init__(self, user_id: int, language_code: str = "en") -> None:
        self.id = user_id
        self.language_code = language_code
        self._message_ids = itertools.count(1)

    def _from(self) -> dict[str, Any]:
        return {
            "id": self.id, "is_bot": False, "first_name": f"P{self.id}",
            "language_code": self.language_code,
        }  # fmt: skip

    async def next_reply(self, fake: FakeApi, calls: list[Call], timeout: float = 60) -> list[Call]:
        """Wait until the bot made a call into this chat beyond those in `calls`; all calls."""
        seen = len(calls_to(calls, self.id))
        return await fake.wait(lambda c: len(calls_to(c, self.id)) > seen, timeout=timeout)

    def says(self, typed: str, update_id: int | None = None) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": self.id, "type": "private"},
            "from": self._from(),
            "text": typed,
        }
        if typed.startswith("/"):
            length = len(typed.split()[0])
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        return {"update_id": update_id or next_update_id(), "message": message}

    def presses(
        self, calls: list[Call], label: str, *, newest_form: bool = False
    ) -> dict[str, Any]:
        """Press the button labelled `label` on the newest keyboard the bot sent them
        (with `newest_form`, on the newest message, not an edit of an older one)."""
        for call in reversed(calls):
            if not call["ok"] or _chat(call) != self.id:
                continue
            if newest_form and call["method"] != "sendMessage":
                continue
            markup = call["params"].get("reply_markup") or {}
            buttons = [b for row in markup.get("inline_keyboard", []) for b in row]
            if not buttons:
                continue
            matches = [b for b in buttons if label in b["text"]]
            if not matches:
                raise AssertionError(f"no button {label!r} in {[b['text'] for b in buttons]}")
            result = call["result"] if isinstance(call["result"], dict) else {}
            message_id = result.get("message_id") or call["params"].get("message_id") or 1
            return {
                "update_id": next_update_id(),
                "callback_query": {
                    "id": f"q{uuid.uuid4().hex[:12]}",
                    "from": self._from(),
                    "chat_instance": str(self.id),
                    "data": matches[0]["callback_data"],
                    "message": {
                        "message_id": message_id,
                        "date": int(time.time()),
                        "chat": {"id": self.id, "type": "private"},
                        "text": str(call["params"].get("text", "-")),
                    },
                },
            }
        raise AssertionError(f"no keyboard was sent to {self.id}")


class TcpProxy:
    """Between the bot and PostgreSQL, so a test can cut the database off without
    touching the shared server."""

    def __init__(self, target_port: int = 5432) -> None:
        self.target_port = target_port
        self.port = 0
        self.open = True
        self._server: asyncio.Server | None = None
        self._pipes: set[asyncio.StreamWriter] = set()

    async def __aenter__(self) -> TcpProxy:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.cut()
        if self._server is not None:
            self._server.close()

    def cut(self) -> None:
        """Drop every connection and refuse new ones until `restore()`."""
        self.open = False
        for writer in list(self._pipes):
            writer.transport.abort()
        self._pipes.clear()

    def restore(self) -> None:
        self.open = True

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if not self.open:
            writer.transport.abort()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            writer.transport.abort()
            return
        self._pipes |= {writer, up_writer}

        async def pump(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            with contextlib.suppress(Exception):
                while chunk := await src.read(65536):
                    dst.write(chunk)
                    await dst.drain()
            dst.transport.abort()

        await asyncio.gather(pump(reader, up_writer), pump(up_reader, writer))
        self._pipes -= {writer, up_writer}


STAFF = 801


async def seed_mothers(url: str, mothers: list[int]) -> None:
    """Community C001 with one English-reading staff member, and mothers at 38 weeks."""
    from storage.db import Database
    from storage.models import User
    from tests import factories

    db = Database(normalise_database_url(url))
    await db.upgrade()
    await factories.community(db, "C001")
    await factories.staff(db, STAFF, ["C001"], display_name="Wang")
    async with db.session() as session:
        session.add(User(id=STAFF, chat_id=STAFF, locale="en"))
    for mother in mothers:
        await factories.mother(db, mother, week=38, locale="en", display_name=f"M{mother}")
    await db.dispose()


async def reports_by_person(url: str) -> Counter[int]:
    from sqlmodel import select

    from storage.db import Database
    from storage.models import Report

    db = Database(normalise_database_url(url))
    async with db.session() as session:
        rows = (await session.exec(select(Report))).all()
    await db.dispose()
    return Counter(r.user_id for r in rows if "bleeding" in r.data.get("symptoms", []))


def calls_to(calls: list[Call], chat_id: int) -> list[Call]:
    return [c for c in calls if c["ok"] and _chat(c) == chat_id]
