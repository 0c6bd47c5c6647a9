"""Staff notes about a person, as the note dialog and /note store them: one session each.

bot/alert_actions.py holds the rule (a note follows the alert's community, or the
person's own); these open the session around it, so the staff handlers never do.
"""

from __future__ import annotations

from bot import dialogs
from bot.alert_actions import add_note, note_allowed
from bot.runtime import Runtime
from storage.models import Profile


async def may_note(
    runtime: Runtime, staff_id: int, subject_user_id: int, alert_id: int | None = None
) -> bool:
    async with runtime.db.session() as session:
        return await note_allowed(
            session, staff_id, subject_user_id, runtime.settings, alert_id=alert_id
        )


async def subject_name(runtime: Runtime, subject_user_id: int) -> str | None:
    """The Telegram name of the person the note is about, if they shared a profile."""
    async with runtime.db.session() as session:
        profile = await session.get(Profile, subject_user_id)
    return profile.display_name if profile else None


async def save_note(
    runtime: Runtime,
    subject_user_id: int,
    staff_id: int,
    text: str,
    alert_id: int | None = None,
    *,
    close_dialog: bool = False,
) -> bool:
    """Store the note; False if this person is not the author's to note. With
    `close_dialog`, the note dialog is closed in the same transaction either way."""
    async with runtime.db.session() as session:
        note = await add_note(
            session,
            subject_user_id,
            staff_id,
            text,
            runtime.clock.now(),
            runtime.settings,
            alert_id=alert_id,
        )
        if close_dialog:
            await dialogs.clear(session, staff_id)
    return note is not None
