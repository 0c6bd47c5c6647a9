"""The person an update is from, loaded in one statement at the start of its unit of work.

Almost every update needs the user's row, and most need their dialog, their profile
(the guide tailors its answers) or whether they are staff (/help lists their
commands). Read one by one that is two to five statements per update, the dialog
even twice for a free-text message. Here one statement reads them all into the
session's identity map, so the existing `session.get` calls find them without SQL,
and a row that does not exist is remembered as absent for the rest of the unit
(`known_absent`), so asking for it costs nothing either.

On PostgreSQL the processor also asks, in the same statement, for the update's
inbox status and whether other workers left this person's older updates
unhandled (bot/processing/processor.py): one round trip instead of four.

Absence is forgotten as soon as the session writes anything (a flush, an insert,
an update) or rolls back: a row created by this update is then found by a normal
query, and a second load reads afresh.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, event, exists, literal, select
from sqlalchemy.orm import Session
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.inbox import status_expression
from storage.models import Dialog, InboxUpdate, Profile, Staff, User

_ABSENT = "mch_absent"  # session.info: {(model, key)} known not to exist in this unit
_LOADED = "mch_person"  # session.info: the user id loaded
# session.info: the rows loaded. The identity map holds objects weakly; without this
# reference the rows nobody has asked for yet would be gone before they are asked for.
_HELD = "mch_person_rows"
PENDING = "pending"


@dataclass(frozen=True)
class Loaded:
    user: User | None
    # Only when asked with an update id: its inbox status (None: not in the inbox, or the
    # statement found no row) and whether the person has older pending updates.
    status: str | None = None
    has_older: bool = False
    in_inbox: bool = False


# Built once: constructing a four-entity select costs more CPU than running it.
_ID = bindparam("user_id")
_UPDATE = bindparam("update_id")
_INBOX = InboxUpdate.__table__  # type: ignore[attr-defined]


def _with_rows(query: Any) -> Any:
    """The person's other rows joined to a query that has the user's."""
    return (
        query.execution_options(populate_existing=True)
        .outerjoin(Profile, Profile.user_id == User.id)  # type: ignore[arg-type]
        .outerjoin(Dialog, Dialog.user_id == User.id)  # type: ignore[arg-type]
        .outerjoin(Staff, Staff.user_id == User.id)  # type: ignore[arg-type]
    )


_ALONE = _with_rows(select(User, Profile, Dialog, Staff)).where(User.id == _ID)  # type: ignore[arg-type]


def _with_inbox(older: bool) -> Any:
    c = _INBOX.c
    earlier: Any = literal(False)
    if older:
        earlier = exists().where(c.person == _ID, c.status == PENDING, c.update_id < _UPDATE)
    status = status_expression(_INBOX)
    head = select(status, earlier.label("older"), User, Profile, Dialog, Staff)
    query = head.select_from(_INBOX).outerjoin(User, User.id == _ID)  # type: ignore[arg-type]
    return _with_rows(query).where(c.update_id == _UPDATE)


_WITH_INBOX = {older: _with_inbox(older) for older in (False, True)}


async def load_person(
    session: AsyncSession, user_id: int, *, update_id: int | None = None, older: bool = False
) -> Loaded:
    """Read the user, profile, dialog and staff rows of `user_id` in one statement (with
    `update_id`, also that update's inbox status and, with `older`, whether the person
    has older pending updates). Loaded once per session: a second call only returns
    what the identity map holds."""
    info = session.info
    if info.get(_LOADED) == user_id and update_id is None:
        if known_absent(session, User, user_id):
            return Loaded(None)
        return Loaded(await session.get(User, user_id))
    if update_id is not None:
        params = {"user_id": user_id, "update_id": update_id}
        row = (await session.exec(_WITH_INBOX[older], params=params)).first()
        if row is None:  # not in the inbox: the person is read on their own
            return Loaded(await _load_alone(session, user_id))
        status, has_older, user, profile, dialog, staff = row
        _note(session, user_id, user, profile, dialog, staff)
        return Loaded(user, status, bool(has_older), True)
    return Loaded(await _load_alone(session, user_id))


async def _load_alone(session: AsyncSession, user_id: int) -> User | None:
    row = (await session.exec(_ALONE, params={"user_id": user_id})).first()
    user, profile, dialog, staff = row if row is not None else (None, None, None, None)
    _note(session, user_id, user, profile, dialog, staff)
    return user  # type: ignore[no-any-return]


def _note(session: AsyncSession, user_id: int, *rows: object) -> None:
    absent = {
        (model, user_id)
        for model, row in zip((User, Profile, Dialog, Staff), rows, strict=True)
        if row is None
    }
    session.info[_ABSENT] = absent
    session.info[_LOADED] = user_id
    session.info[_HELD] = rows


def known_absent(session: AsyncSession, model: type, key: int) -> bool:
    """True when this unit's person load found no `model` row for `key` and the session
    has written nothing since (nothing pending either): asking again would find none."""
    absent = session.info.get(_ABSENT)
    if not absent or (model, key) not in absent:
        return False
    sync = session.sync_session
    return not (sync.new or sync.dirty or sync.deleted)


def forget(session: Session) -> None:
    """What the load knew is no longer sure (the session wrote, or rolled back)."""
    session.info.pop(_ABSENT, None)
    session.info.pop(_LOADED, None)


@event.listens_for(Session, "after_flush")
def _forget_after_flush(session: Session, _context: object) -> None:
    forget(session)


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    forget(session)


@event.listens_for(Session, "do_orm_execute")
def _forget_on_write(state: Any) -> None:
    if not state.is_select:
        forget(state.session)
