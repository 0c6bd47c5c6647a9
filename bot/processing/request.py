"""The Bot API transport: commits the update's work before each request, marks
the update handled once Telegram took its first reply, and retries a reply
that Telegram failed to take.

Every reply, button answer and edit goes through here, so "your report is
saved" can never reach the person before the report is in the database: the
unit of work (storage/db.py) commits first.

Replies made while handling an update are retried a few times on a 5xx, a
429 (after retry_after) or a network error: unlike outbox rows they have no
second chance later, and a mother whose "go to hospital now" answer met a
500 must still get it. A timeout may mean Telegram did deliver, so a retry
can repeat that one message; that is the one duplicate we accept (see
docs/exactly-once.md). Outside an update (the delivery worker, start-up)
nothing is retried here: the delivery worker has its own retries and limits.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from telegram.error import NetworkError
from telegram.request import RequestData

from bot.processing.transport import AiohttpRequest
from storage.db import commit_before_sending, current_unit, mark_handled_after_sending

log = logging.getLogger(__name__)
REPLY_ATTEMPTS = 4
RETRY_FIRST = 0.3
RETRY_AFTER_MAX = 5.0


class CommittingRequest(AiohttpRequest):
    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        await commit_before_sending(lambda: kept_request(*args, **kwargs))
        if current_unit() is None:
            return await super().do_request(*args, **kwargs)
        status, body = await self._reply(*args, **kwargs)
        if status == 400 and _method(*args, **kwargs) == "answerCallbackQuery":
            # Telegram refuses to answer a press after some seconds ("query is too old"),
            # as when a crash made it be handled again: the press itself still counts.
            log.info("a button answer was refused; the press is handled all the same")
            return 200, b'{"ok": true, "result": true}'
        if status < 300:
            try:
                await mark_handled_after_sending()
            except Exception:  # the reply is out; the unit's last commit tries again
                log.warning("could not mark an update handled after its reply")
        return status, body

    async def _reply(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        delay = RETRY_FIRST
        for attempt in range(1, REPLY_ATTEMPTS + 1):
            last = attempt == REPLY_ATTEMPTS
            try:
                status, body = await super().do_request(*args, **kwargs)
            except NetworkError:
                if last:
                    raise
                log.info("a reply met a network error; retrying")
            else:
                if last or (status < 500 and status != 429):
                    return status, body
                wait = _retry_after(body) if status == 429 else None
                if wait is not None and wait > RETRY_AFTER_MAX:
                    return status, body  # too long to hold the person's update
                log.info("a reply got HTTP %s; retrying", status)
                if wait is not None:
                    delay = wait
            await asyncio.sleep(delay)
            delay *= 2
        raise AssertionError("unreachable")


def kept_request(*args: Any, **kwargs: Any) -> dict[str, Any] | None:
    """The request as the inbox keeps it for a replay (storage/inbox.py `mark_applied`):
    the method and its parameters, never the URL (it holds the token). None for an
    upload, whose file is not kept."""
    data: RequestData | None = kwargs.get("request_data", args[2] if len(args) > 2 else None)
    if data is not None and data.contains_files:
        return None
    params = data.json_parameters if data is not None else {}
    return {"method": _method(*args, **kwargs), "params": params}


def _method(*args: Any, **kwargs: Any) -> str:
    """The Bot API method a request calls: the last part of its URL."""
    return str(kwargs.get("url", args[0] if args else "")).rsplit("/", 1)[-1]


def _retry_after(body: bytes) -> float | None:
    try:
        value = json.loads(body).get("parameters", {}).get("retry_after")
    except (ValueError, AttributeError):
        return None
    return float(value) if isinstance(value, int | float) else None
