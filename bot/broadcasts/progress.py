"""A broadcast's figures as it goes, and the admin's message that shows them.

Figures come from the outbox rows themselves (sent, failed, blocked, pending),
so every worker's progress counts and a restart loses none. The progress job
runs with the delivery worker's passes: it edits the admin's message through
the outbox (normal lane, never behind the broadcast it reports on), every few
seconds while the broadcast runs, then once with the final report.

Edits are chained so the message never goes back to an older state: each new
edit waits for the one before it (`after_id`), and an earlier edit still
waiting to be sent (not in flight) is superseded, settled as skipped, so a
retried edit can never overwrite a newer one and stale edits do not pile up.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.broadcasts.buttons import BroadcastButton
from bot.i18n import Translator, negotiate_locale
from bot.outbox import enqueue
from bot.runtime import Runtime
from storage import broadcasts as queries
from storage import outbox as store
from storage.models import Broadcast, Outbox, User

DONE = "done"
KIND = "progress_edit"
EDIT_EVERY = 5.0  # seconds between two edits of the admin's progress message
BAR_WIDTH = 20


@dataclass(frozen=True)
class Progress:
    broadcast_id: int
    total: int
    sent: int
    failed: int
    blocked: int
    pending: int
    cancelled: int
    rate: float  # sent per second so far
    eta_seconds: float | None

    @property
    def finished(self) -> bool:
        return self.pending == 0

    @property
    def fraction(self) -> float:
        return (self.total - self.pending) / self.total if self.total else 1.0


def figures(
    broadcast_id: int,
    counts: dict[str, int],
    first: datetime | None,
    last: datetime | None,
) -> Progress:
    sent = counts.get(store.SENT, 0)
    pending = counts.get(store.PENDING, 0)
    seconds = (last - first).total_seconds() if first and last else 0.0
    rate = sent / seconds if seconds > 0 else 0.0
    return Progress(
        broadcast_id=broadcast_id,
        total=sum(counts.values()),
        sent=sent,
        failed=counts.get(store.FAILED, 0) + counts.get(store.SKIPPED, 0),
        blocked=counts.get(store.BLOCKED, 0),
        pending=pending,
        cancelled=counts.get(queries.CANCELLED, 0),
        rate=rate,
        eta_seconds=pending / rate if rate > 0 and pending else None,
    )


async def progress_of(runtime: Runtime, broadcast_id: int) -> Progress:
    async with runtime.db.session() as session:
        counts = await queries.status_counts(session, broadcast_id)
        first, last = await queries.sent_span(session, broadcast_id)
    return figures(broadcast_id, counts, first, last)


def bar(fraction: float, width: int = BAR_WIDTH) -> str:
    filled = max(0, min(width, round(fraction * width)))
    return "█" * filled + "░" * (width - filled)


def render(progress: Progress, tr: Translator, *, final: bool = False) -> str:
    _ = tr.gettext
    if final:
        return _(
            "Broadcast #{id} finished: {sent} sent, {failed} failed, {blocked} blocked, "
            "{cancelled} cancelled, of {total}."
        ).format(
            id=progress.broadcast_id,
            sent=progress.sent,
            failed=progress.failed,
            blocked=progress.blocked,
            cancelled=progress.cancelled,
            total=progress.total,
        )
    eta = (
        _("about {minutes} min left").format(minutes=max(1, round(progress.eta_seconds / 60)))
        if progress.eta_seconds is not None
        else ""
    )
    return _(
        "Broadcast #{id}\n{bar} {percent}%\n"
        "Sent {sent} · failed {failed} · blocked {blocked} · pending {pending}\n"
        "{rate}/s {eta}"
    ).format(
        id=progress.broadcast_id,
        bar=bar(progress.fraction),
        percent=round(progress.fraction * 100),
        sent=progress.sent,
        failed=progress.failed,
        blocked=progress.blocked,
        pending=progress.pending,
        rate=f"{progress.rate:.0f}",
        eta=eta,
    ).strip()


def cancel_markup(broadcast_id: int, tr: Translator) -> dict[str, Any]:
    """The Cancel button under a running broadcast's progress message (Bot API JSON)."""
    label = tr.gettext("Cancel the broadcast")
    button = {"text": label, "callback_data": BroadcastButton("cancel", broadcast_id).pack()}
    return {"inline_keyboard": [[button]]}


def progress_job(runtime: Runtime) -> Callable[[], Awaitable[None]]:
    """Edit each running broadcast's progress message; finish it with the report."""
    edited_at: dict[int, float] = {}

    async def job() -> None:
        now = runtime.clock.now()
        async with runtime.db.session() as session:
            running = (
                await session.exec(
                    select(Broadcast).where(
                        col(Broadcast.status).in_(("queued", queries.CANCELLED)),
                        col(Broadcast.progress_message_id).is_not(None),
                        col(Broadcast.send_at) <= now,
                    )
                )
            ).all()
        for broadcast in running:
            assert broadcast.id is not None
            progress = await progress_of(runtime, broadcast.id)
            final = progress.finished
            if not final and now.timestamp() - edited_at.get(broadcast.id, 0.0) < EDIT_EVERY:
                continue
            edited_at[broadcast.id] = now.timestamp()
            await _edit(runtime, broadcast, progress, final)

    return job


async def _last_edit(
    session: AsyncSession, broadcast_id: int | None, newest: int | None
) -> Outbox | None:
    """The progress edit queued before `newest` for this broadcast, if any."""
    rows = await session.exec(
        select(Outbox)
        .where(
            col(Outbox.kind) == KIND,
            col(Outbox.dedupe_key).startswith(f"bprogress:{broadcast_id}:", autoescape=True),
            col(Outbox.id) != newest,
        )
        .order_by(col(Outbox.id).desc())
        .limit(1)
    )
    found: Outbox | None = rows.first()
    return found


async def _edit(runtime: Runtime, broadcast: Broadcast, progress: Progress, final: bool) -> None:
    assert broadcast.progress_chat_id is not None and broadcast.progress_message_id is not None
    now = runtime.clock.now()
    async with runtime.db.session() as session:
        admin = await session.get(User, broadcast.progress_chat_id)
        tr = runtime.catalogs.get(
            negotiate_locale(admin.locale, admin.language_code, runtime.settings.default_locale)
            if admin
            else None
        )
        row = await enqueue(
            session,
            chat_id=broadcast.progress_chat_id,
            text=render(progress, tr, final=final),
            dedupe_key=(
                f"bprogress:{broadcast.id}:{progress.sent}:{progress.failed}:"
                f"{progress.blocked}:{progress.pending}:{final}"
            ),
            kind=KIND,
            now=now,
        )
        if row is not None:
            await session.flush()  # the new edit's id, to find the one before it
            previous = await _last_edit(session, broadcast.id, row.id)
            if previous is not None and previous.status == store.PENDING:
                row.after_id = previous.id
                if not store.in_flight(previous, now):
                    assert previous.id is not None
                    await store.mark_final(
                        session, previous.id, store.SKIPPED, error="superseded", tries=0
                    )
            row.payload = {
                **row.payload,
                "method": "editMessageText",
                "message_id": broadcast.progress_message_id,
            }
            if not final and broadcast.status == "queued":
                assert broadcast.id is not None
                row.payload["reply_markup"] = cancel_markup(broadcast.id, tr)
        if final:
            fresh = await session.get(Broadcast, broadcast.id)
            if fresh is not None and fresh.status == "queued":
                fresh.status = DONE
                session.add(fresh)
            elif fresh is not None:  # cancelled: report once, then leave it alone
                fresh.progress_message_id = None
                session.add(fresh)
