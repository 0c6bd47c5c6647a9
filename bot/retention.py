"""Retention: reports, alerts and audit entries are kept RETENTION_DAYS, then purged.

`purge_expired` deletes, in one transaction, what is older than the cutoff:
reports and the alerts raised by them, alerts, audit entries, and settled outbox
rows (their payloads are copies of alerts and notices). Pending messages are never
purged. `daily_purge` wraps it as a delivery-worker job that runs at most once a
day per worker; running it on several workers at once is harmless (the deletes
are idempotent).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, or_, select
from sqlmodel import col

from storage import outbox as store
from storage.models import Alert, AuditEntry, Outbox, Report

log = logging.getLogger(__name__)


def cutoff(runtime: Any) -> datetime:
    return runtime.clock.now() - timedelta(days=runtime.settings.retention_days)


async def purge_expired(runtime: Any) -> dict[str, int]:
    """Delete everything older than the retention period. Returns rows deleted per table."""
    before = cutoff(runtime)
    old_reports = select(Report.id).where(col(Report.created_at) < before)
    old_alerts = select(Alert.id).where(
        or_(col(Alert.created_at) < before, col(Alert.report_id).in_(old_reports))
    )
    statements = {
        "outbox": delete(Outbox).where(
            or_(
                col(Outbox.alert_id).in_(old_alerts),
                (col(Outbox.status) != store.PENDING) & (col(Outbox.created_at) < before),
            )
        ),
        "alerts": delete(Alert).where(col(Alert.id).in_(old_alerts)),
        "reports": delete(Report).where(col(Report.created_at) < before),
        "audit_log": delete(AuditEntry).where(col(AuditEntry.at) < before),
    }
    counts = {}
    async with runtime.db.session() as session:
        for table, statement in statements.items():
            result = await session.exec(statement)  # type: ignore[call-overload]
            counts[table] = int(result.rowcount or 0)
    if any(counts.values()):
        log.info(
            "retention purge: %s reports, %s alerts, %s audit entries, %s outbox rows",
            counts["reports"],
            counts["alerts"],
            counts["audit_log"],
            counts["outbox"],
        )
    return counts


def daily_purge(
    runtime: Any, *, every: timedelta = timedelta(days=1)
) -> Callable[[], Awaitable[dict[str, int] | None]]:
    """A delivery-worker job: purge on the first pass, then once `every`."""
    last: list[datetime] = []

    async def job() -> dict[str, int] | None:
        now = runtime.clock.now()
        if last and now - last[0] < every:
            return None
        last[:] = [now]
        return await purge_expired(runtime)

    job.__name__ = "retention_purge"
    return job
