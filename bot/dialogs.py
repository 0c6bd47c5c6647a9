"""Multi-step conversations whose state lives in the database.

A dialog is (flow, step, data) per user. Keeping it in the database rather
than in python-telegram-bot's in-memory conversation state means a restart,
or another webhook worker taking the next update, resumes exactly where the
person was, with everything already entered.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Dialog
from storage.person import known_absent


@dataclass
class DialogState:
    flow: str
    step: str
    data: dict[str, Any] = field(default_factory=dict)
    # When it was last saved (None until it is): the engine's expiry reads it.
    updated_at: datetime | None = field(default=None, compare=False)


async def _row(session: AsyncSession, user_id: int) -> Dialog | None:
    # The update's person load (storage/person.py) already read it, or found none.
    if known_absent(session, Dialog, user_id):
        return None
    return await session.get(Dialog, user_id)


async def load(session: AsyncSession, user_id: int) -> DialogState | None:
    row = await _row(session, user_id)
    if row is None:
        return None
    return DialogState(row.flow, row.step, dict(row.data), row.updated_at)


async def save(session: AsyncSession, user_id: int, state: DialogState, now: datetime) -> None:
    row = await _row(session, user_id)
    if row is None:
        row = Dialog(user_id=user_id, flow=state.flow, step=state.step)
    row.flow, row.step, row.data, row.updated_at = state.flow, state.step, dict(state.data), now
    state.updated_at = now
    session.add(row)


async def clear(session: AsyncSession, user_id: int) -> bool:
    row = await _row(session, user_id)
    if row is None:
        return False
    await session.delete(row)
    return True


def expired(updated_at: datetime, now: datetime, expiry: timedelta) -> bool:
    """A dialog untouched for longer than the expiry is over (RapidPro's flow expiry)."""
    return now - updated_at >= expiry


async def in_conversation(
    session: AsyncSession, user_id: int, now: datetime, expiry: timedelta
) -> bool:
    """Whether the person is mid-conversation, so a proactive message must wait.

    Scheduled follow-ups and broadcasts ask this before sending: a message that
    arrives between a question and its answer would cut the conversation (and
    its buttons would replace the ones she is about to press). An abandoned
    dialog stops holding messages once it has expired.
    """
    row = await _row(session, user_id)
    return row is not None and not expired(row.updated_at, now, expiry)
