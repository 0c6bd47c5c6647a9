"""One update's observation: log fields bound while it is handled, then counted and timed.

Wrap the handling of each update (wherever the update pipeline runs it):

    with observability.processing.handling(update):
        ...handle it...

and call `mark_failed()` from the error handler, so the update counts as an error.
"""

from __future__ import annotations

import contextvars
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from bot.observability.logging import bound
from bot.observability.metrics import observe_update, update_kind

_failed: contextvars.ContextVar[list[bool] | None] = contextvars.ContextVar(
    "update_failed", default=None
)


def mark_failed() -> None:
    """The update in hand ended in an error (called by the error handler)."""
    flag = _failed.get()
    if flag is not None:
        flag[0] = True


@contextmanager
def handling(update: Any) -> Iterator[None]:
    user = getattr(update, "effective_user", None)
    flag = [False]
    token = _failed.set(flag)
    started = time.perf_counter()
    try:
        with bound(
            update_id=getattr(update, "update_id", None),
            user=user.id if user is not None else None,
            flow=None,
            step=None,
        ):
            yield
    except BaseException:
        flag[0] = True
        raise
    finally:
        _failed.reset(token)
        observe_update(
            update_kind(update), "error" if flag[0] else "ok", time.perf_counter() - started
        )
