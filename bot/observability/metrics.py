"""Prometheus figures: what the bot does (counters, histograms) and what waits (gauges).

Counters and histograms are moved by `observe_*` calls where things happen. The
figures that describe the database (outbox depth, the oldest unsent emergency
alert, open alerts) are computed by a query at scrape time (`refresh_from_database`),
so every worker reports the same truth and nothing drifts after a restart.

The metrics live in their own registry (not prometheus-client's global one), so
several workers in one process (tests, the shell) do not collide.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from sqlalchemy import func
from sqlmodel import col, select

from storage import outbox as store
from storage.models import Alert, FollowupItem, Outbox

REGISTRY = CollectorRegistry(auto_describe=True)
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

UPDATES = Counter(
    "mch_updates_total",
    "Updates handled, by kind (message, callback, command…) and outcome (ok, error).",
    ["kind", "outcome"],
    registry=REGISTRY,
)
UPDATE_SECONDS = Histogram(
    "mch_update_handling_seconds",
    "Time from an update reaching a worker to its handling being finished.",
    ["kind"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
    registry=REGISTRY,
)
SENDS = Counter(
    "mch_sends_total",
    "Proactive sends by outcome: sent, retried, 429, blocked, failed, skipped.",
    ["outcome"],
    registry=REGISTRY,
)
FIRST_ACK_SECONDS = Histogram(
    "mch_alert_first_ack_seconds",
    "Time from an alert being raised to its first acknowledgement by staff.",
    ["level"],
    buckets=(30, 60, 120, 300, 600, 1800, 3600, 4 * 3600, 24 * 3600),
    registry=REGISTRY,
)
ESCALATIONS = Counter(
    "mch_escalations_total",
    "Alerts escalated to supervisors, by reason (timeout: nobody acknowledged; manual).",
    ["reason"],
    registry=REGISTRY,
)
FOLLOWUP_LAG_SECONDS = Histogram(
    "mch_followup_lag_seconds",
    "Scheduler lag: how late a due follow-up item is queued (now minus its due time), "
    "by action (checkin, stage, topic, dialog, nudge, reask). Quiet hours and a "
    "conversation in progress hold items on purpose, so the long buckets show holds.",
    ["action"],
    buckets=(60, 300, 600, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 24 * 3600),
    registry=REGISTRY,
)
OUTBOX_DEPTH = Gauge(
    "mch_outbox_depth", "Messages waiting to be sent, by kind.", ["kind"], registry=REGISTRY
)
OLDEST_UNSENT_EMERGENCY = Gauge(
    "mch_oldest_unsent_emergency_alert_seconds",
    "Age of the oldest staff copy of an emergency alert not yet sent (0 when none).",
    registry=REGISTRY,
)
OPEN_ALERTS = Gauge(
    "mch_open_alerts",
    "Alerts nobody has acknowledged, by level and age band.",
    ["level", "age"],
    registry=REGISTRY,
)
SCHEDULER_LAG = Gauge(
    "mch_scheduler_lag_seconds",
    "How late the most overdue scheduled follow-up step is (0 when none is overdue).",
    registry=REGISTRY,
)
SEND_OUTCOMES = ("sent", "retried", "429", "blocked", "failed", "skipped")
AGE_BANDS = (
    ("under_10m", timedelta(minutes=10)),
    ("10m_to_1h", timedelta(hours=1)),
    ("1h_to_24h", timedelta(hours=24)),
    ("over_24h", None),
)

for _outcome in SEND_OUTCOMES:  # show every outcome from the start, at 0
    SENDS.labels(_outcome)


def observe_update(kind: str, outcome: str, seconds: float) -> None:
    """One update handled: kind (command, message, callback, other), ok or error."""
    UPDATES.labels(kind, outcome).inc()
    UPDATE_SECONDS.labels(kind).observe(seconds)


# The delivery worker's Outcome values (bot/delivery/calls.py) under their metric names.
_WORKER_OUTCOMES = {"retry": "retried", "retry_after": "429"}


def observe_send(outcome: str) -> None:
    """One send attempt ended as `outcome`: a SEND_OUTCOMES name or a worker Outcome value."""
    outcome = _WORKER_OUTCOMES.get(outcome, outcome)
    SENDS.labels(outcome if outcome in SEND_OUTCOMES else "failed").inc()


def observe_first_ack(level: str, raised_at: datetime, acknowledged_at: datetime) -> None:
    FIRST_ACK_SECONDS.labels(level).observe(max(0.0, (acknowledged_at - raised_at).total_seconds()))


def observe_followup_lag(action: str, due_at: datetime, sent_at: datetime) -> None:
    """A follow-up item (or a ladder step) due at `due_at` was queued at `sent_at`."""
    FOLLOWUP_LAG_SECONDS.labels(action).observe(max(0.0, (sent_at - due_at).total_seconds()))


def observe_escalation(manual: bool) -> None:
    ESCALATIONS.labels("manual" if manual else "timeout").inc()


def update_kind(update: Any) -> str:
    """The label for an Update: command, message, callback or other (never its content)."""
    if getattr(update, "callback_query", None) is not None:
        return "callback"
    message = getattr(update, "message", None)
    if message is not None:
        text = getattr(message, "text", None) or ""
        return "command" if text.startswith("/") else "message"
    return "other"


def _band(age: timedelta) -> str:
    for name, limit in AGE_BANDS:
        if limit is None or age < limit:
            return name
    return AGE_BANDS[-1][0]


async def refresh_from_database(runtime: Any) -> None:
    """Set the database-derived gauges from one read of the outbox and the alerts."""
    now = runtime.clock.now()
    async with runtime.db.session() as session:
        depth = await session.exec(
            select(Outbox.kind, func.count())
            .where(col(Outbox.status) == store.PENDING)
            .group_by(Outbox.kind)
        )
        oldest = await session.exec(
            select(func.min(Outbox.created_at))
            .join(Alert, col(Alert.id) == col(Outbox.alert_id))
            .where(
                col(Outbox.status) == store.PENDING,
                col(Outbox.kind).in_(store.COPY_KINDS),
                col(Alert.level) == "emergency",
            )
        )
        open_alerts = await session.exec(
            select(Alert.level, Alert.created_at).where(col(Alert.status) == "open")
        )
        # The follow-up ladder's next step is due at next_step_at; the runner scans every few
        # minutes, so a lag well past that interval means scheduled work is not being done.
        overdue = await session.exec(
            select(func.min(FollowupItem.next_step_at)).where(
                col(FollowupItem.next_step_at).is_not(None), col(FollowupItem.next_step_at) <= now
            )
        )
        depth_rows, oldest_at, alert_rows = depth.all(), oldest.first(), open_alerts.all()
        lagging_since = overdue.first()
    OUTBOX_DEPTH.clear()
    for kind, count in depth_rows:
        OUTBOX_DEPTH.labels(kind).set(count)
    OLDEST_UNSENT_EMERGENCY.set(
        max(0.0, (now - oldest_at).total_seconds()) if isinstance(oldest_at, datetime) else 0.0
    )
    SCHEDULER_LAG.set(
        max(0.0, (now - lagging_since).total_seconds())
        if isinstance(lagging_since, datetime)
        else 0.0
    )
    OPEN_ALERTS.clear()
    for level, created_at in alert_rows:
        OPEN_ALERTS.labels(level, _band(now - created_at)).inc()


async def render(runtime: Any) -> bytes:
    """The /metrics page: gauges refreshed from the database, then every figure."""
    await refresh_from_database(runtime)
    return generate_latest(REGISTRY)
