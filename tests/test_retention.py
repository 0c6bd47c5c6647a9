"""Reports, alerts and audit entries are kept for RETENTION_DAYS, then purged daily."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from bot.clock import ManualClock
from bot.config import Settings
from bot.i18n import Catalogs
from bot.retention import daily_purge, purge_expired
from bot.runtime import Runtime
from storage.db import Database
from storage.models import Alert, AuditEntry, Outbox, Report
from tests import factories


async def add_history(db: Database, user_id: int, at, *, status: str = "sent") -> None:
    async with db.session() as session:
        report = Report(user_id=user_id, subject="pregnancy", level="emergency", created_at=at)
        session.add(report)
        await session.flush()
        alert = Alert(report_id=report.id, user_id=user_id, level="emergency", created_at=at)
        session.add(alert)
        await session.flush()
        session.add(
            Outbox(
                dedupe_key=f"alert:{alert.id}",
                kind="alert",
                chat_id=801,
                alert_id=alert.id,
                payload={"method": "sendMessage", "text": "alert"},
                status=status,
                created_at=at,
            )
        )
        session.add(AuditEntry(actor_id=801, action="alert_ack", subject_user_id=user_id, at=at))


async def world(db: Database, settings: Settings, clock: ManualClock, *, days: int) -> Runtime:
    """A mother in a community, and a bot that keeps history for `days`."""
    await factories.community(db, "C001")
    await factories.mother(db, 301)
    return Runtime(settings.model_copy(update={"retention_days": days}), db, Catalogs("en"), clock)


async def test_only_what_is_older_than_the_retention_period_is_purged(
    db: Database, settings: Settings, clock: ManualClock
) -> None:
    runtime = await world(db, settings, clock, days=30)
    now = clock.now()
    await add_history(db, 301, now - timedelta(days=31))
    await add_history(db, 301, now - timedelta(days=29))
    async with db.session() as session:  # a message not yet sent is never purged
        session.add(
            Outbox(
                dedupe_key="notice:old",
                kind="notice",
                chat_id=801,
                payload={"method": "sendMessage", "text": "x"},
                created_at=now - timedelta(days=40),
            )
        )

    assert await purge_expired(runtime) == {"outbox": 1, "alerts": 1, "reports": 1, "audit_log": 1}
    async with db.session() as session:
        reports = (await session.exec(select(Report))).all()
        audit = (await session.exec(select(AuditEntry))).all()
        outbox = (await session.exec(select(Outbox).order_by(Outbox.id))).all()
        alerts = (await session.exec(select(Alert))).all()
    assert [r.created_at for r in reports] == [now - timedelta(days=29)]
    assert [a.report_id for a in alerts] == [r.id for r in reports]
    assert [a.at for a in audit] == [now - timedelta(days=29)]
    assert sorted(o.dedupe_key for o in outbox) == [f"alert:{alerts[0].id}", "notice:old"]
    assert await purge_expired(runtime) == {"outbox": 0, "alerts": 0, "reports": 0, "audit_log": 0}


async def test_the_daily_job_runs_once_a_day(
    db: Database, settings: Settings, clock: ManualClock
) -> None:
    runtime = await world(db, settings, clock, days=1)
    job = daily_purge(runtime)
    assert await job() is not None
    await add_history(db, 301, clock.now())
    clock.advance(hours=30)
    assert await job() == {"outbox": 1, "alerts": 1, "reports": 1, "audit_log": 1}
    await add_history(db, 301, clock.now() - timedelta(days=2))
    clock.advance(hours=1)
    assert await job() is None  # not a day since the last purge
    clock.advance(hours=23)
    assert (await job() or {}).get("reports") == 1
