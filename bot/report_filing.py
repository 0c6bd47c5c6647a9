"""A report filed from a conversation: triaged, stored with its alert, and who is told.

The /report dialog, typed danger signs and check-in answers all file reports; each call
here is one session (inside an update, the update's unit of work: storage/db.py), so
the report, its alert and what the dialog remembers of it commit together, and the
answer that follows says honestly who has been told.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot import alerts, dialogs, profiles, reports
from bot.config import Settings
from bot.dialogs import DialogState
from bot.domain.triage import Assessment
from bot.runtime import Runtime

POSTPARTUM = "postpartum"  # the report subject of the mother herself after the birth


@dataclass(frozen=True)
class Filed:
    """A stored report's assessment, whether it raised an alert, and who hears of its
    alerts: "staff", "service" or "nobody" ("" for a typed sign that raised none)."""

    assessment: Assessment
    alerted: bool
    staffed: str


async def _who_is_told(session: AsyncSession, user_id: int, settings: Settings) -> str:
    """Who hears of her alerts: "staff" (her community's), "service" (a supervisor or an
    admin standing in), or "nobody" (no one is configured yet: she must not be told
    that someone knows)."""
    profile = await profiles.get_profile(session, user_id)
    community = profile.community_code if profile else None
    if await alerts.community_has_staff(session, community):
        return "staff"
    if await alerts.alert_recipients(session, community, settings):
        return "service"
    return "nobody"


async def _submit(
    session: AsyncSession,
    runtime: Runtime,
    user_id: int,
    subject: str,
    data: Mapping[str, Any],
    now: datetime,
    **options: Any,
) -> tuple[Any, Assessment, Any]:
    return await reports.submit(
        session,
        user_id,
        subject,
        data,
        now,
        runtime.settings,
        catalogs=runtime.catalogs,
        **options,
    )


async def assess_draft(
    runtime: Runtime,
    user_id: int,
    subject: str,
    data: Mapping[str, Any],
    child_id: int | None,
) -> Assessment:
    """The answers so far, assessed without storing them (is it already an emergency?)."""
    async with runtime.db.session() as session:
        return await reports.assess_draft(
            session,
            user_id,
            subject,
            data,
            runtime.clock.now(),
            runtime.settings,
            child_id=child_id,
        )


async def file_early(
    runtime: Runtime,
    user_id: int,
    state: DialogState,
    subject: str,
    data: Mapping[str, Any],
    child_id: int | None,
) -> None:
    """An emergency shown half-way: the report so far stored (and alerted), and the
    dialog saved knowing it (`report_id`, `told`, `stored`, `staffed`), in one go."""
    now = runtime.clock.now()
    async with runtime.db.session() as session:
        report, assessment, _alert = await _submit(
            session, runtime, user_id, subject, data, now, child_id=child_id
        )
        state.data |= {
            "report_id": report.id,
            "told": list(assessment.reasons),
            "stored": True,
            "staffed": await _who_is_told(session, user_id, runtime.settings),
        }
        await dialogs.save(session, user_id, state, now)


async def file_final(
    runtime: Runtime,
    user_id: int,
    subject: str,
    data: Mapping[str, Any],
    child_id: int | None,
    report_id: int | None,
) -> Filed:
    """The finished report stored (completing an early one) and the dialog closed."""
    async with runtime.db.session() as session:
        _report, assessment, alert = await _submit(
            session,
            runtime,
            user_id,
            subject,
            data,
            runtime.clock.now(),
            child_id=child_id,
            report_id=report_id,
        )
        await dialogs.clear(session, user_id)
        staffed = await _who_is_told(session, user_id, runtime.settings)
    return Filed(assessment, alert is not None, staffed)


async def file_typed(
    runtime: Runtime,
    user_id: int,
    subject: str,
    data: Mapping[str, Any],
    child_id: int | None,
    now: datetime,
) -> Filed:
    """A sign typed in free text, stored as a report; who is told only if it alerted."""
    async with runtime.db.session() as session:
        _report, assessment, alert = await _submit(
            session, runtime, user_id, subject, data, now, child_id=child_id
        )
        staffed = (
            await _who_is_told(session, user_id, runtime.settings) if alert is not None else ""
        )
    return Filed(assessment, alert is not None, staffed)


async def file_checkin_answer(
    runtime: Runtime, user_id: int, data: Mapping[str, Any], *, own: bool
) -> Filed:
    """A check-in answer stored as report(s) through triage: about her (`own`, or while
    pregnant, or with no children) or else about each child; the worst assessment."""
    alerted = False
    now = runtime.clock.now()
    async with runtime.db.session() as session:
        profile = await profiles.get_profile(session, user_id)
        children = await profiles.children_of(session, user_id)
        pregnant = profile is not None and profile.pregnant
        subjects: list[tuple[str, int | None]]
        if own and children and not pregnant:
            # Her own answer after the birth (postpartum check, 42-day mood check): she is
            # triaged as a mother after birth, never as a pregnancy weeks past its due date.
            subjects = [(POSTPARTUM, None)]
        elif own or pregnant or not children:
            subjects = [("pregnancy", None)]
        else:
            subjects = [("child", c.id) for c in children]
        worst = None
        for subject, child_id in subjects:
            _report, assessment, alert = await _submit(
                session,
                runtime,
                user_id,
                subject,
                data | {"complete": True, "source": "checkin"},
                now,
                child_id=child_id,
                checkin=True,
            )
            alerted = alerted or alert is not None
            if worst is None or assessment.level > worst.level:
                worst = assessment
        staffed = await _who_is_told(session, user_id, runtime.settings)
    assert worst is not None
    return Filed(worst, alerted, staffed)
