"""An outbox payload to a Bot API call, and a Bot API answer to what happens next.

Payloads are JSON written by whoever queued the message:
`{"method": "sendMessage", "text": ..., "reply_markup": {...}}` or
`{"method": "editMessageText", "text": ..., "reply_markup": ..., "message_id": ...}`
(an edit may name the outbox row it edits as `edit_of` instead of a message id,
when the message had not been sent yet at the time the edit was queued).
"""

from __future__ import annotations

import enum
import warnings
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from telegram import (
    Bot,
    ForceReply,
    InlineKeyboardMarkup,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter
from telegram.warnings import PTBDeprecationWarning

METHODS = ("sendMessage", "editMessageText")


class Outcome(enum.Enum):
    SENT = "sent"
    RETRY = "retry"  # network error, timeout, 5xx: back off and try again
    RETRY_AFTER = "retry_after"  # 429: wait exactly as long as Telegram says
    BLOCKED = "blocked"  # 403: the person blocked the bot; never again
    FAILED = "failed"  # 400 and the like: Telegram will never accept this one
    SKIPPED = "skipped"  # an edit of a message that was never delivered


@dataclass(frozen=True)
class Result:
    outcome: Outcome
    message_id: int | None = None
    retry_after: float = 0.0
    error: str = ""


class BadPayload(ValueError):
    """The row itself is wrong; sending it again would fail the same way."""


def reply_markup(raw: dict[str, Any] | None) -> Any:
    if not raw:
        return None
    if "inline_keyboard" in raw:
        return InlineKeyboardMarkup.de_json(raw, None)
    if "keyboard" in raw:
        return ReplyKeyboardMarkup.de_json(raw, None)
    if raw.get("remove_keyboard"):
        return ReplyKeyboardRemove()
    if raw.get("force_reply"):
        return ForceReply()
    raise BadPayload("unknown reply_markup")


def _timeouts(timeout: float | None) -> dict[str, float]:
    if timeout is None:
        return {}
    return {
        "read_timeout": timeout,
        "write_timeout": timeout,
        "connect_timeout": timeout,
        "pool_timeout": timeout,
    }


async def call(
    bot: Bot,
    chat_id: int,
    payload: dict[str, Any],
    *,
    message_id: int | None = None,
    timeout: float | None = None,
) -> int | None:
    """Make the call; returns the message id Telegram gave (or the edited one)."""
    method = payload.get("method", "sendMessage")
    text = payload.get("text")
    if method not in METHODS:
        raise BadPayload(f"unknown method {method}")
    if not isinstance(text, str) or not text:
        raise BadPayload("no text")
    extra: dict[str, Any] = {}
    if "parse_mode" in payload:  # otherwise the bot's default (HTML)
        extra["parse_mode"] = payload["parse_mode"]
    markup = reply_markup(payload.get("reply_markup"))
    if method == "sendMessage":
        message = await bot.send_message(
            chat_id,
            text,
            reply_markup=markup,
            disable_notification=bool(payload.get("disable_notification", False)),
            **extra,
            **_timeouts(timeout),
        )
        return message.message_id
    if message_id is None:
        raise BadPayload("edit without a message id")
    await bot.edit_message_text(
        text,
        chat_id=chat_id,
        message_id=message_id,
        reply_markup=markup,
        **extra,
        **_timeouts(timeout),
    )
    return message_id


def _retry_after(error: RetryAfter) -> float:
    # python-telegram-bot 22 warns that the attribute will become a timedelta; read either.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value: float | timedelta = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def classify(error: Exception, *, message_id: int | None = None) -> Result:
    """What Telegram's answer means for the row. Order matters: in python-telegram-bot,
    BadRequest and TimedOut are both NetworkErrors."""
    if isinstance(error, RetryAfter):
        return Result(Outcome.RETRY_AFTER, retry_after=_retry_after(error), error="429")
    if isinstance(error, Forbidden):
        return Result(Outcome.BLOCKED, error=f"403 {error.message}")
    if isinstance(error, BadRequest):
        if "message is not modified" in error.message.lower():
            return Result(Outcome.SENT, message_id=message_id)
        return Result(Outcome.FAILED, error=f"400 {error.message}")
    if isinstance(error, (BadPayload, ChatMigrated)):
        return Result(Outcome.FAILED, error=str(error))
    if isinstance(error, NetworkError):
        return Result(Outcome.RETRY, error=f"{type(error).__name__}: {error.message}")
    # Anything else (a bad token, a bug): keep the message and try again later, so a
    # mistake in configuration delays alerts instead of losing them.
    return Result(Outcome.RETRY, error=f"{type(error).__name__}: {error}")


async def attempt(
    bot: Bot,
    chat_id: int,
    payload: dict[str, Any],
    *,
    message_id: int | None = None,
    timeout: float | None = None,
) -> Result:
    try:
        sent = await call(bot, chat_id, payload, message_id=message_id, timeout=timeout)
    except Exception as error:
        return classify(error, message_id=message_id)
    return Result(Outcome.SENT, message_id=sent)
