"""The bot boots before the network is up: it says so once, keeps trying, and starts when it can."""

from __future__ import annotations

import asyncio
import logging

import pytest
from pydantic import SecretStr
from telegram.error import InvalidToken, NetworkError, TimedOut

from bot.config import Settings
from bot.devtools.fake_telegram import FakeTelegram
from bot.runtime import Runtime
from bot.serve import BotService
from bot.startup import backoff, restartable, retry_until_connected

log = logging.getLogger("test.startup")


class FlakyStart:
    """A start-up that fails with the given errors, then succeeds."""

    def __init__(self, *errors: BaseException, stop: asyncio.Event | None = None) -> None:
        self.errors = list(errors)
        self.calls = 0
        self.stop = stop

    async def __call__(self) -> None:
        self.calls += 1
        if self.errors:
            error = self.errors.pop(0)
            if self.stop is not None and not self.errors:
                self.stop.set()  # SIGTERM arrives while the network is still down
            raise error


async def test_it_keeps_trying_until_the_network_is_back(caplog: pytest.LogCaptureFixture) -> None:
    start = FlakyStart(NetworkError("All connection attempts failed"), TimedOut(), OSError("down"))
    caplog.set_level(logging.DEBUG, logger="test.startup")
    assert await retry_until_connected(start, asyncio.Event(), log, first_delay=0.001) is True
    assert start.calls == 4
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    # One clear line for the operator, not one per attempt, and no traceback.
    assert len(warnings) == 1
    assert "cannot reach Telegram" in warnings[0].getMessage()
    assert "All connection attempts failed" in warnings[0].getMessage()
    assert warnings[0].exc_info is None
    assert "connected to Telegram after 4 attempts" in caplog.text


async def test_a_first_time_success_is_silent(caplog: pytest.LogCaptureFixture) -> None:
    start = FlakyStart()
    caplog.set_level(logging.DEBUG, logger="test.startup")
    assert await retry_until_connected(start, asyncio.Event(), log) is True
    assert start.calls == 1
    assert caplog.records == []


async def test_sigterm_while_waiting_gives_up_without_another_attempt() -> None:
    stop = asyncio.Event()
    start = FlakyStart(NetworkError("down"), stop=stop)
    # A long pause: only the stop event can end it within the test's lifetime.
    result = await asyncio.wait_for(
        retry_until_connected(start, stop, log, first_delay=3600), timeout=10
    )
    assert result is False
    assert start.calls == 1


async def test_already_stopped_means_no_attempt() -> None:
    stop = asyncio.Event()
    stop.set()
    start = FlakyStart()
    assert await retry_until_connected(start, stop, log) is False
    assert start.calls == 0


async def test_a_wrong_token_is_not_retried() -> None:
    start = FlakyStart(InvalidToken("Unauthorized"))
    with pytest.raises(InvalidToken):
        await retry_until_connected(start, asyncio.Event(), log, first_delay=0.001)
    assert start.calls == 1


def test_the_pause_doubles_up_to_a_minute() -> None:
    assert [backoff(n) for n in (1, 2, 3, 4, 5, 6, 7, 8)] == [1, 2, 4, 8, 16, 32, 60, 60]
    assert backoff(10_000) == 60


async def test_a_failed_start_is_undone_before_the_next_attempt() -> None:
    events: list[str] = []

    async def start() -> None:
        events.append("start")
        if events.count("start") == 1:
            raise NetworkError("dropped half-way")

    async def undo() -> None:
        events.append("undo")

    attempt = restartable(start, undo)
    assert await retry_until_connected(attempt, asyncio.Event(), log, first_delay=0.001)
    assert events == ["start", "undo", "start"]


async def test_the_real_bot_starts_once_telegram_answers_again(settings: Settings) -> None:
    """Telegram drops the first connections; the bot's service still comes up and answers."""
    telegram = FakeTelegram()
    await telegram.start()
    try:
        telegram.fail("getMe", disconnect=True, times=2)
        runtime = await Runtime.open(
            settings.model_copy(
                update={
                    "telegram_api_base_url": telegram.base_url,
                    "bot_token": SecretStr(telegram.token),
                }
            )
        )
        service = BotService(runtime, poll_timeout=1)
        started = restartable(service.start, service.stop)
        try:
            assert await retry_until_connected(started, asyncio.Event(), log, first_delay=0.01)
            assert [c.method for c in telegram.calls].count("getMe") >= 3
            assert service.application.running
        finally:
            await service.stop()
            await runtime.close()
    finally:
        await telegram.stop()
