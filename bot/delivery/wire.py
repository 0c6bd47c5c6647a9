"""The delivery worker's own HTTP path to the Bot API: one JSON POST per message.

python-telegram-bot builds a full `Message` object from every answer and goes
through httpx; at hundreds of messages a second that costs more CPU than the
database and the wire together (issue 13: 190/s for a bare PTB sender on the
fake). The worker needs only the message id or the error, so it posts the
payload it already holds as JSON with aiohttp (already a dependency, used by
the webhook server) and reads those two things back. Errors become the same
python-telegram-bot exceptions and go through `calls.classify`, so both paths
mean the same by 429, 403, 400 and 5xx.
"""

from __future__ import annotations

import json
from typing import Any

import aiohttp
from telegram import Bot
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)

from bot.delivery.calls import METHODS, BadPayload, Outcome, Result, classify, reply_markup

_JSON = {"Content-Type": "application/json"}


def _dumps(body: dict[str, Any]) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


class Wire:
    """Sends outbox payloads for one bot; open in the loop that uses it, close after."""

    def __init__(self, bot: Bot, *, connections: int, timeout: float | None) -> None:
        self.url = bot.base_url  # ends in bot<token>
        defaults = getattr(bot, "defaults", None)
        self.parse_mode = getattr(defaults, "parse_mode", None) if defaults else None
        self.connections = connections
        self.timeout = timeout or 10.0
        self._session: aiohttp.ClientSession | None = None
        self._timeouts: dict[float, aiohttp.ClientTimeout] = {}

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self.connections, limit_per_host=0),
                timeout=aiohttp.ClientTimeout(total=self.timeout),
            )
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def body(
        self, chat_id: int, payload: dict[str, Any], message_id: int | None
    ) -> tuple[str, dict[str, Any]]:
        """The method and JSON body for a payload (BadPayload if it cannot be sent)."""
        method = payload.get("method", "sendMessage")
        text = payload.get("text")
        if method not in METHODS:
            raise BadPayload(f"unknown method {method}")
        if not isinstance(text, str) or not text:
            raise BadPayload("no text")
        body: dict[str, Any] = {"chat_id": chat_id, "text": text}
        parse_mode = payload.get("parse_mode", self.parse_mode)
        if parse_mode:
            body["parse_mode"] = parse_mode
        markup = payload.get("reply_markup")
        if markup:
            reply_markup(markup)  # refuse an unknown kind of markup, as calls.call does
            body["reply_markup"] = markup
        if method == "sendMessage":
            if payload.get("disable_notification"):
                body["disable_notification"] = True
            if payload.get("allow_paid_broadcast"):
                body["allow_paid_broadcast"] = True
        else:
            if message_id is None:
                raise BadPayload("edit without a message id")
            body["message_id"] = message_id
        return method, body

    async def attempt(
        self,
        chat_id: int,
        payload: dict[str, Any],
        *,
        message_id: int | None = None,
        timeout: float | None = None,
    ) -> Result:
        try:
            method, body = self.body(chat_id, payload, message_id)
        except BadPayload as error:
            return classify(error)
        try:
            # The body goes as ready bytes and the answer is read as bytes: aiohttp's JSON
            # payload and reader cost a tenth of a millisecond a message more.
            limit = self._timeouts.get(timeout or self.timeout)
            if limit is None:
                limit = self._timeouts[timeout or self.timeout] = aiohttp.ClientTimeout(
                    total=timeout or self.timeout
                )
            post = self._client().post(
                f"{self.url}/{method}", data=_dumps(body), headers=_JSON, timeout=limit
            )
            async with post as response:
                status = response.status
                raw = await response.read()
            try:
                answer = json.loads(raw)
            except ValueError:
                answer = None
        except TimeoutError:
            return classify(TimedOut())
        except aiohttp.ClientError as error:
            return classify(NetworkError(f"{type(error).__name__}"))
        if isinstance(answer, dict) and answer.get("ok"):
            result = answer.get("result")
            sent = result.get("message_id") if isinstance(result, dict) else message_id
            return Result(Outcome.SENT, message_id=sent if isinstance(sent, int) else message_id)
        return classify(_error(status, answer), message_id=message_id)


def _error(status: int, answer: Any) -> TelegramError:
    """The exception python-telegram-bot would raise for this answer."""
    answer = answer if isinstance(answer, dict) else {}
    description = str(answer.get("description") or f"HTTP {status}")
    parameters = answer.get("parameters") or {}
    if isinstance(parameters, dict):
        if parameters.get("retry_after") is not None:
            return RetryAfter(int(parameters["retry_after"]))
        if parameters.get("migrate_to_chat_id"):
            return ChatMigrated(int(parameters["migrate_to_chat_id"]))
    if status == 403:
        return Forbidden(description)
    if status in (401, 404):
        return InvalidToken(description)
    if status == 400:
        return BadRequest(description)
    if status == 409:
        return Conflict(description)
    return NetworkError(f"{description} ({status})")
