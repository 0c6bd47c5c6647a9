"""Drive the real bot as a person would, against the fake Bot API.

Used by the tests and by `python -m bot shell`. A `ChatUser` sends messages,
presses buttons and shares locations; each call returns what the bot sent
back to that chat while handling it. Updates travel the real way: queued for
getUpdates (polling) or POSTed to the bot's webhook endpoint.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from pydantic import SecretStr
from telegram.ext import Application

from bot.clock import Clock
from bot.config import Settings
from bot.devtools.fake_telegram import ApiCall, FakeTelegram
from bot.features import Feature
from bot.processing.processor import PersonalUpdateProcessor
from bot.runtime import Runtime
from bot.serve import BotService


class UpdateTracker:
    """Knows when each update id has been fully handled (its unit of work committed)."""

    def __init__(self) -> None:
        self._done: defaultdict[int, asyncio.Event] = defaultdict(asyncio.Event)

    def mark(self, update_id: int) -> None:
        self._done[update_id].set()

    async def wait(self, update_id: int, timeout: float = 15.0) -> None:
        async with asyncio.timeout(timeout):
            await self._done[update_id].wait()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Reply:
    """What the bot did in one chat while handling one update."""

    calls: list[ApiCall]
    answers: list[ApiCall] = field(default_factory=list)

    @property
    def messages(self) -> list[ApiCall]:
        return [c for c in self.calls if c.method.startswith("send")]

    @property
    def texts(self) -> list[str]:
        return [c.text for c in self.calls if c.text]

    @property
    def text(self) -> str:
        return "\n".join(self.texts)

    @property
    def buttons(self) -> list[str]:
        return [b["text"] for c in self.calls for b in c.inline_buttons]

    @property
    def answer_text(self) -> str:
        return "\n".join(str(a.params.get("text", "")) for a in self.answers)

    def __contains__(self, fragment: str) -> bool:
        return fragment in self.text


class BotHarness:
    """The fake Telegram, a database, and one or more real bot workers."""

    def __init__(
        self,
        settings: Settings,
        *,
        clock: Clock | None = None,
        webhook: bool = False,
        workers: int = 1,
        features: tuple[Feature, ...] | None = None,  # None: the bot's own (bot/app.py)
    ) -> None:
        self.base_settings = settings
        self.features = features
        self.clock = clock or Clock()
        self.webhook = webhook
        self.worker_count = workers
        self.telegram = FakeTelegram()
        self.tracker = UpdateTracker()
        self.services: list[BotService] = []
        self.runtimes: list[Runtime] = []
        self._users: dict[int, ChatUser] = {}

    @property
    def runtime(self) -> Runtime:
        return self.runtimes[0]

    @property
    def application(self) -> Application:  # type: ignore[type-arg]
        return self.services[0].application

    async def __aenter__(self) -> BotHarness:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def start(self) -> None:
        await self.telegram.start()
        await self.start_workers()

    def _worker_settings(self) -> Settings:
        update: dict[str, Any] = {
            "telegram_api_base_url": self.telegram.base_url,
            "bot_token": SecretStr(self.telegram.token),
            "metrics_port": 0,  # many workers in one test run: no fixed port
        }
        if self.webhook:
            port = free_port()
            update |= {
                "webhook_url": f"http://127.0.0.1:{port}/telegram/webhook",
                "webhook_token": SecretStr("harness-secret"),
                "webhook_listen": "127.0.0.1",
                "webhook_port": port,
            }
        return self.base_settings.model_copy(update=update)

    async def start_workers(self) -> None:
        for _ in range(self.worker_count):
            runtime = await Runtime.open(self._worker_settings(), clock=self.clock)
            service = BotService(runtime, poll_timeout=2, features=self.features)
            processor = service.application.update_processor
            assert isinstance(processor, PersonalUpdateProcessor)
            processor.finished = self.tracker.mark
            await service.start()
            self.runtimes.append(runtime)
            self.services.append(service)

    async def stop_workers(self) -> None:
        for service in self.services:
            await service.stop()
        for runtime in self.runtimes:
            await runtime.close()
        self.services.clear()
        self.runtimes.clear()

    async def restart(self) -> None:
        """Stop every worker and start fresh ones on the same database and fake Telegram."""
        await self.stop_workers()
        await self.start_workers()

    async def stop(self) -> None:
        await self.stop_workers()
        await self.telegram.stop()

    def user(
        self, user_id: int, *, first_name: str = "Test", language_code: str | None = "zh-hans"
    ) -> ChatUser:
        if user_id not in self._users:
            self._users[user_id] = ChatUser(self, user_id, first_name, language_code)
        return self._users[user_id]

    async def deliver(self, update: dict[str, Any]) -> None:
        """Push an update and wait until the bot has finished handling it."""
        await self.telegram.push_update(update)
        await self.tracker.wait(update["update_id"])


class ChatUser:
    """A person in a private chat with the bot."""

    def __init__(
        self, harness: BotHarness, user_id: int, first_name: str, language_code: str | None
    ) -> None:
        self.harness = harness
        self.id = user_id
        self.first_name = first_name
        self.language_code = language_code
        self._message_ids = iter(range(100000, 10**9))

    @property
    def telegram(self) -> FakeTelegram:
        return self.harness.telegram

    def _from(self) -> dict[str, Any]:
        user: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.language_code:
            user["language_code"] = self.language_code
        return user

    def _message(self, **content: Any) -> dict[str, Any]:
        return {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": self.id, "type": "private", "first_name": self.first_name},
            "from": self._from(),
            **content,
        }

    async def _round_trip(self, update: dict[str, Any], query_id: str | None = None) -> Reply:
        start = len(self.telegram.calls)
        await self.harness.deliver(update)
        calls = self.telegram.calls[start:]
        mine = [c for c in calls if c.ok and c.chat_id == self.id]
        answers = [
            c
            for c in calls
            if c.method == "answerCallbackQuery" and c.params.get("callback_query_id") == query_id
        ]
        return Reply(mine, answers)

    async def send(self, text: str) -> Reply:
        """Type a message (a command if it starts with /)."""
        content: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            command = text.split()[0]
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        update_id = self.telegram.next_update_id()
        return await self._round_trip({"update_id": update_id, "message": self._message(**content)})

    async def share_location(self, latitude: float, longitude: float) -> Reply:
        location = {"latitude": latitude, "longitude": longitude}
        update_id = self.telegram.next_update_id()
        return await self._round_trip(
            {"update_id": update_id, "message": self._message(location=location)}
        )

    async def share_contact(self, phone_number: str) -> Reply:
        contact = {"phone_number": phone_number, "first_name": self.first_name, "user_id": self.id}
        update_id = self.telegram.next_update_id()
        return await self._round_trip(
            {"update_id": update_id, "message": self._message(contact=contact)}
        )

    def last_keyboard_message(self) -> ApiCall:
        for call in reversed(self.telegram.calls):
            if call.ok and call.chat_id == self.id and call.inline_buttons:
                return call
        raise AssertionError(f"no message with inline buttons in chat {self.id}")

    def buttons(self) -> list[str]:
        return [b["text"] for b in self.last_keyboard_message().inline_buttons]

    async def press(self, label: str, *, data: str | None = None) -> Reply:
        """Press the inline button whose text contains `label` on the latest keyboard.

        `data` forges a callback with arbitrary data on that message, as a
        malicious client could.
        """
        call = self.last_keyboard_message()
        if data is None:
            matches = [b for b in call.inline_buttons if label in b["text"]]
            if not matches:
                labels = [b["text"] for b in call.inline_buttons]
                raise AssertionError(f"no button {label!r} among {labels}")
            data = matches[0]["callback_data"]
        message_id = call.result["message_id"] if isinstance(call.result, dict) else 1
        message = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": self.id, "type": "private", "first_name": self.first_name},
            "from": call.result.get("from") if isinstance(call.result, dict) else None,
            "text": call.text or "-",
            "reply_markup": call.reply_markup,
        }
        query_id = f"q{self.telegram.next_update_id()}"
        update_id = self.telegram.next_update_id()
        update = {
            "update_id": update_id,
            "callback_query": {
                "id": query_id,
                "from": self._from(),
                "chat_instance": str(self.id),
                "message": message,
                "data": data,
            },
        }
        return await self._round_trip(update, query_id)
