"""Close the loop for the person who reported: tell her who is looking after her.

When staff acknowledge her alert or mark it contacted, she is told in her own
language, by the name or the role the staff member chose (`Staff.introduce_as`;
the role until they choose, never a made-up name). The message is queued in the
outbox in the acknowledgement's own transaction, so she is told exactly when an
acknowledgement was stored, and its dedupe key makes it once per alert per state.
Nothing is queued for an alert nobody took, and /delete removes whatever is still
waiting for her chat (bot/personal_data.py).
"""

from __future__ import annotations

import html
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.access import active_staff, is_admin
from bot.alerts import recipient_locale
from bot.config import Settings
from bot.i18n import N_, Catalogs, Translator
from bot.outbox import enqueue
from bot.runtime import Runtime
from storage.models import Alert, Staff, User

KIND = "looked_after"
NAME, ROLE = "name", "role"
CHOICES = (NAME, ROLE)

# How a staff member is named to the person, by role; a name is added when chosen.
_ROLES = {
    "staff": N_("your community health worker"),
    "supervisor": N_("a supervisor of your county maternal and child health institution"),
    "admin": N_("a member of the service team"),
}
_NAMED = {
    "staff": N_("{name}, your community health worker"),
    "supervisor": N_("{name}, a supervisor of your county maternal and child health institution"),
    "admin": N_("{name}, a member of the service team"),
}


def introduction(role: str, name: str | None, choice: str | None, tr: Translator) -> str:
    """Who is looking after her, as plain text: by role unless a name was chosen and known."""
    role = role if role in _ROLES else "staff"
    if choice == NAME and name and name.strip():
        return tr.gettext(_NAMED[role]).format(name=name.strip())
    return tr.gettext(_ROLES[role])


async def introduce(
    session: AsyncSession, actor_id: int, tr: Translator, settings: Settings
) -> str:
    """How `actor_id` is introduced: their staff row's choice, an admin, else the role."""
    staff = await session.get(Staff, actor_id)
    if staff is not None:
        return introduction(staff.role, staff.display_name, staff.introduce_as, tr)
    role = "admin" if is_admin(settings, actor_id) else "staff"
    return introduction(role, None, None, tr)


async def choose_introduction(runtime: Runtime, user_id: int, choice: str) -> Staff | None:
    """Store how a staff member is introduced (never by a name they have not got); None
    when they are no longer staff or the choice is not one of CHOICES."""
    async with runtime.db.session() as session:
        staff = await active_staff(session, user_id)
        if staff is None or choice not in CHOICES:
            return None
        if choice == NAME and not staff.display_name:
            choice = ROLE  # never a made-up name
        staff.introduce_as = choice
        session.add(staff)
    return staff


def message(state: str, who: str, tr: Translator, emergency_number: str) -> str:
    """The text she receives (HTML-safe): who took her report, and what to do if worse."""
    _ = tr.gettext
    if state == "contacted":
        head = _(
            "📞 Looking after you: {who}. They have recorded that they contacted you about "
            "your report."
        )
    else:
        head = _("✅ Your report has been seen. Looking after you: {who}. They will contact you.")
    tail = _("If anything gets worse, go to care now or call {number}.")
    return head.format(who=html.escape(who)) + "\n" + tail.format(number=emergency_number)


async def tell_the_person(
    session: AsyncSession,
    alert: Alert,
    actor_id: int,
    state: str,
    now: datetime,
    settings: Settings,
    catalogs: Catalogs,
) -> bool:
    """Queue her notice for `state` ("acknowledged" | "contacted"); False if not queued."""
    assert alert.id is not None
    user = await session.get(User, alert.user_id)
    if user is None:  # erased meanwhile: nobody to tell
        return False
    tr = catalogs.get(await recipient_locale(session, alert.user_id, settings))
    who = await introduce(session, actor_id, tr, settings)
    row = await enqueue(
        session,
        chat_id=user.chat_id,
        text=message(state, who, tr, settings.emergency_number),
        dedupe_key=f"looked_after:{alert.id}:{state}",
        kind=KIND,
        now=now,
    )
    return row is not None
