"""Which Telegram message an outbox edit changes.

An edit queued before the message it edits was sent names that outbox row
(`edit_of`) instead of a message id; by the time the edit goes out (it waits
for the original through `after_id`) the original's message id is known, or
the original was never delivered and the edit has nothing to change.
"""

from __future__ import annotations

from typing import Any

from bot.runtime import Runtime
from storage import outbox as store
from storage.models import Outbox


async def edit_target(runtime: Runtime, row: Outbox) -> tuple[int | None, str | None]:
    """For an edit: the message id to edit, or why the edit cannot happen."""
    payload: dict[str, Any] = row.payload
    if payload.get("method") != "editMessageText" or payload.get("message_id"):
        return payload.get("message_id"), None
    original_id = payload.get("edit_of")
    if not isinstance(original_id, int):
        return None, "edit names no message"
    async with runtime.db.session() as session:
        original = await store.get_row(session, original_id)
    if original is None or original.status != store.SENT or original.message_id is None:
        return None, "the message to edit was never delivered"
    return original.message_id, None
