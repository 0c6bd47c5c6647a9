"""Start-up that waits for the network instead of dying with a traceback.

A clinic's server often boots before its network is up, and Telegram is sometimes
unreachable for minutes. `retry_until_connected` keeps trying to start the bot, with
a growing pause between attempts, until it starts or SIGTERM asks it to give up. It
says so once, in one line an operator can read; later failures go to the debug log so
the journal is not flooded while the cable is unplugged.

Only network failures are retried: a wrong token or a bad setting will not fix itself
by waiting, so those propagate to the caller.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from telegram.error import NetworkError

# TimedOut is a NetworkError; OSError covers a failure below the HTTP client.
NETWORK_ERRORS: tuple[type[BaseException], ...] = (NetworkError, OSError)

FIRST_DELAY = 1.0  # seconds before the second attempt
MAX_DELAY = 60.0  # the pause never grows past a minute, so recovery is noticed soon
_REASON_LIMIT = 160


def describe(error: BaseException) -> str:
    """'NetworkError: All connection attempts failed', short and on one line."""
    reason = " ".join(str(error).split())[:_REASON_LIMIT]
    return f"{type(error).__name__}: {reason}" if reason else type(error).__name__


def backoff(attempt: int, first: float = FIRST_DELAY, maximum: float = MAX_DELAY) -> float:
    """The pause after failed attempt number ``attempt`` (1, 2, ...): 1, 2, 4 ... 60 s."""
    return min(maximum, first * 2 ** min(attempt - 1, 32))


async def retry_until_connected(
    start: Callable[[], Awaitable[None]],
    stop: asyncio.Event,
    log: logging.Logger,
    *,
    first_delay: float = FIRST_DELAY,
    max_delay: float = MAX_DELAY,
) -> bool:
    """Call ``start`` until it succeeds (True) or ``stop`` is set first (False).

    ``start`` must leave nothing half-started when it raises (see `restartable`).
    Errors other than network errors propagate at once.
    """
    attempt = 0
    while not stop.is_set():
        attempt += 1
        try:
            await start()
        except NETWORK_ERRORS as error:
            delay = backoff(attempt, first_delay, max_delay)
            if attempt == 1:
                log.warning(
                    "cannot reach Telegram (%s); retrying with backoff up to %g s "
                    "until the network is back, SIGTERM to give up",
                    describe(error),
                    max_delay,
                )
            else:
                log.debug("attempt %d failed (%s); next in %g s", attempt, describe(error), delay)
            try:
                async with asyncio.timeout(delay):
                    await stop.wait()
            except TimeoutError:
                continue
            break
        else:
            if attempt > 1:
                log.info("connected to Telegram after %d attempts", attempt)
            return True
    log.info("stopped before connecting to Telegram")
    return False


def restartable(
    start: Callable[[], Awaitable[None]], undo: Callable[[], Awaitable[None]]
) -> Callable[[], Awaitable[None]]:
    """``start``, undone by ``undo`` when it fails, so the next attempt begins clean.

    A start-up can fail half-way (connected, then the network dropped before polling
    began); without the undo the next attempt would find an Application already running.
    """

    async def attempt() -> None:
        try:
            await start()
        except BaseException:
            try:
                await undo()
            except Exception as error:  # the start-up's own error is the one to report
                logging.getLogger(__name__).debug("undo after a failed start: %s", describe(error))
            raise

    return attempt
