"""Which outbox messages go first: the one mapping from a message's kind to its lane.

A city-wide broadcast must never delay a staff alert (issue 13), so the worker
claims and sends lane 0 before lane 1 before lane 2. Kinds not named here
(follow-up messages `followup_*`, anything added later) take the normal lane:
a new kind is never silently put behind a broadcast nor ahead of an alert.
The lane is stored on the row when it is inserted (a mapper hook below), so
the claim can walk an index instead of sorting every pending row.
"""

from __future__ import annotations

from sqlalchemy import event

from storage.models import Outbox

URGENT = 0  # alerts, their updates and edits, escalations, emergency answers
NORMAL = 1  # notices to a person or to staff, follow-up messages
BULK = 2  # broadcasts

URGENT_KINDS = frozenset({"alert", "alert_update", "alert_edit", "escalation", "emergency"})
BULK_PREFIX = "broadcast"


def lane_of(kind: str) -> int:
    if kind in URGENT_KINDS:
        return URGENT
    if kind.startswith(BULK_PREFIX):
        return BULK
    return NORMAL


@event.listens_for(Outbox, "before_insert")
def _set_lane(_mapper: object, _connection: object, row: Outbox) -> None:
    row.priority = lane_of(row.kind)
