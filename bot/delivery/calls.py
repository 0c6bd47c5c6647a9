"""What a Bot API answer means for an outbox row (the call itself is bot/delivery/wire.py).

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
