"""A broadcast's per-recipient outcomes as CSV, and the audit entry every export leaves.

The CSV holds chat ids (for the record of who was reached), so an export is a
look at personal data: each one is written to the audit log (which admin,
which broadcast, how many rows, chat or command line, when) in the same
transaction that read the rows. The log line names only the broadcast and the
count, never the admin or a recipient.
"""

from __future__ import annotations

import csv
import io
import logging

from bot.runtime import Runtime
from storage import broadcasts as queries
from storage.models import AuditEntry, Outbox

log = logging.getLogger(__name__)

ACTION = "broadcast_export"
HEADER = ["chat_id", "status", "attempts", "sent_at", "reason"]


def outcome_rows(rows: list[Outbox]) -> list[list[str]]:
    """One CSV line per recipient: chat, status, attempts, when sent, the reason."""
    return [
        [
            str(row.chat_id),
            row.status,
            str(row.attempts),
            row.sent_at.isoformat() if row.sent_at else "",
            row.last_error or "",
        ]
        for row in rows
    ]


def write_csv(out: io.StringIO, rows: list[list[str]]) -> None:
    writer = csv.writer(out)
    writer.writerow(HEADER)
    writer.writerows(rows)


async def export(runtime: Runtime, broadcast_id: int, actor_id: int, via: str) -> str:
    """The CSV text of one broadcast's outcomes; audited as `actor_id` exporting it."""
    async with runtime.db.session() as session:
        rows = outcome_rows(await queries.outcomes(session, broadcast_id))
        session.add(
            AuditEntry(
                actor_id=actor_id,
                action=ACTION,
                subject_user_id=None,
                detail={"broadcast_id": broadcast_id, "rows": len(rows), "via": via},
                at=runtime.clock.now(),
            )
        )
    log.info("broadcast %s exported as CSV (%d rows, %s)", broadcast_id, len(rows), via)
    out = io.StringIO()
    write_csv(out, rows)
    return out.getvalue()
