"""What staff look at and do from /ledger, /due and /export: one session per call.

Every view is written to the audit log (ids only) in the same session that read it,
so a view is never shown unrecorded. bot/ledger.py and bot/followup/ hold the queries
and rules; the staff handlers call these and never open a session themselves.
"""

from __future__ import annotations

from datetime import datetime

from bot import ledger
from bot.domain.triage import Rules
from bot.followup import due_view, tasks
from bot.followup.due_view import DuePage
from bot.followup.tasks import FollowupTask
from bot.ledger import Entry, Page, Scope
from bot.reports import triage_rules
from bot.runtime import Runtime


async def scope_of(runtime: Runtime, user_id: int) -> Scope | None:
    """Whose people this staff member sees; None for anyone who is not staff or admin."""
    async with runtime.db.session() as session:
        return await ledger.scope_of(session, user_id, runtime.settings)


async def ledger_page(runtime: Runtime, scope: Scope, number: int) -> Page:
    """Page `number` of the ledger (clamped), its view recorded."""
    now = runtime.clock.now()
    async with runtime.db.session() as session:
        found = await ledger.ledger_page(
            session, scope, number, now=now, today=runtime.today(), rules=triage_rules()
        )
        ledger.record_view(
            session,
            scope,
            "ledger_view",
            [e.user_id for e in found.entries],
            now,
            page=found.number,
        )
    return found


async def export_entries(runtime: Runtime, scope: Scope, rules: Rules) -> list[Entry]:
    """Everyone in scope, for the CSV export, the export recorded."""
    now = runtime.clock.now()
    async with runtime.db.session() as session:
        everyone = await ledger.entries(session, scope, now=now, today=runtime.today(), rules=rules)
        ledger.record_view(session, scope, "ledger_export", [e.user_id for e in everyone], now)
    return everyone


async def due_page(runtime: Runtime, scope: Scope, number: int, now: datetime) -> DuePage:
    """Page `number` of /due (cut in the database) as of `now`, its view recorded."""
    async with runtime.db.session() as session:
        page = await due_view.due_page(
            session, scope, number, now=now, today=runtime.today(), rules=triage_rules()
        )
        ledger.record_view(session, scope, "due_view", page.subject_ids(), now, page=page.number)
    return page


async def close_task(
    runtime: Runtime, scope: Scope, task_id: int, outcome: str, staff_id: int
) -> FollowupTask | None:
    """Close an open task in the staff member's scope; None if it is not theirs or not open."""
    async with runtime.db.session() as session:
        return await tasks.close_task(
            session, task_id, outcome, staff_id, scope.communities, runtime.clock.now()
        )
