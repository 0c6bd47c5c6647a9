"""A press on a staff alert's button, as stored: the action, and what the answer needs.

One session (the update's unit of work) does the action, finds who got there first
(for "already taken by …") and whether the presser has chosen how they are introduced;
bot/alert_actions.py and bot/escalation.py hold the rules.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot import alert_actions, escalation
from bot.alert_actions import Outcome
from bot.i18n import Translator
from bot.runtime import Runtime
from storage.models import Staff


@dataclass(frozen=True)
class Pressed:
    outcome: Outcome
    # The colleague who acted first, by the name staff know them ("" unless "already").
    who: str
    # The presser is staff who never chose how the person is told of them (/introduce).
    unintroduced: bool


async def press(
    runtime: Runtime, action: str, alert_id: int, actor: int, tr: Translator
) -> Pressed:
    """`action` is "ack", "contacted", "note" (only checked: the note is asked next) or
    "esc"; a press by anyone not entitled to act changes nothing ("denied")."""
    now = runtime.clock.now()
    settings = runtime.settings
    async with runtime.db.session() as session:
        if action == "ack":
            outcome = await alert_actions.acknowledge(
                session, alert_id, actor, now, settings, runtime.catalogs
            )
        elif action == "contacted":
            outcome = await alert_actions.mark_contacted(
                session, alert_id, actor, now, settings, runtime.catalogs
            )
        else:
            outcome = await alert_actions.check(session, alert_id, actor, settings)
            if outcome.code == "done" and action == "esc":
                outcome = await escalation.escalate(
                    session, alert_id, now, settings, runtime.catalogs, by=actor
                )
        who = (
            await alert_actions.display_name(session, outcome.by, tr, settings)
            if outcome.code == "already"
            else ""
        )
        staff = await session.get(Staff, actor)
        # The first time, say how the person was told of them and how to change it.
        unintroduced = staff is not None and staff.introduce_as is None
    return Pressed(outcome, who, unintroduced)
