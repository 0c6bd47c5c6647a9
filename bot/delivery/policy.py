"""How hard the delivery worker tries: backoff, the retry limit, sends in flight.

Kept apart from the worker's loop so the numbers an operator may ask about
(docs/exactly-once.md: how many messages a kill -9 can repeat) are in one place.
"""

from __future__ import annotations

import math
import random

BACKOFF_FIRST = 2.0  # seconds before the first retry after a network error or 5xx
BACKOFF_MAX = 300.0
# Attempts after which a row failing with network errors or 5xx is given up, recorded
# as failed with the reason "retry limit" (RapidPro's term) instead of retried forever.
RETRY_LIMIT = 10
MAX_CONCURRENCY = 100


def backoff(attempts: int) -> float:
    """2, 4, 8, ... seconds, capped at 5 minutes, with jitter so workers do not march
    in step after an outage."""
    base = min(BACKOFF_MAX, BACKOFF_FIRST * 2 ** max(0, attempts))
    return base * random.uniform(0.8, 1.0)


def default_concurrency(rate: float) -> int:
    """Sends in flight: enough for the rate at a quarter-second round trip (a loaded
    machine, a slow network), at least 16, at most 100. It is also the most messages a
    kill -9 can repeat (docs/exactly-once.md)."""
    return min(MAX_CONCURRENCY, max(16, math.ceil(rate * 0.25)))
