"""Wake the delivery worker the moment a transaction that queued a message commits.

Whoever queues (a report's alert, a staff button, a broadcast) needs to do
nothing but commit: a session hook notices outbox rows among the flushed
objects and, after the commit, pokes the workers of this process that use
the same engine. Workers in other processes find the rows on their next poll.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from storage.models import Outbox

_FLAG = "outbox_queued"
_listeners: defaultdict[Engine, set[Callable[[], None]]] = defaultdict(set)


def on_queue(engine: Engine, callback: Callable[[], None]) -> Callable[[], None]:
    """Call `callback` after each commit on `engine` that queued a message; returns undo."""
    _listeners[engine].add(callback)

    def remove() -> None:
        callbacks = _listeners.get(engine)
        if callbacks is not None:
            callbacks.discard(callback)
            if not callbacks:
                del _listeners[engine]

    return remove


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context: object) -> None:
    if any(isinstance(row, Outbox) for row in session.new):
        session.info[_FLAG] = True


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if not session.info.pop(_FLAG, False):
        return
    bind = session.bind
    engine = bind.engine if bind is not None else None
    for callback in list(_listeners.get(engine, ())):  # type: ignore[arg-type]
        callback()


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(_FLAG, None)
