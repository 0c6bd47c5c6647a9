"""Staff notes about a person: one question on the conversation engine.

A note describes someone else ("bleeding, sent to hospital"), so while one is being
written the text is claimed before the danger-word check (bot/handlers/staff_tools.py's
feature) and stored as written.
"""

from __future__ import annotations

import html

from telegram import Update

from bot import notes
from bot.context import BotContext
from bot.conversation import engine
from bot.conversation.chat import send_to_chat as _send
from bot.conversation.engine import Flow, Step, go, new_dialog
from bot.dialogs import DialogState

NOTE_FLOW, NOTE_STEP = "note", "text"


def name_or_number(entry_name: str | None, user_id: int) -> str:
    """A person as staff see them: the Telegram name, or #id when there is none."""
    return html.escape(entry_name or f"#{user_id}")


async def start_note(
    update: Update, context: BotContext, subject_user_id: int, alert_id: int | None = None
) -> bool:
    """Ask for a note about a person; False (and nothing saved) if not theirs to note."""
    _ = context.tr.gettext
    if not await notes.may_note(context.runtime, context.account.id, subject_user_id, alert_id):
        await _send(update, context, _("You can only add notes about people in your communities."))
        return False
    state = new_dialog(NOTE_FLOW, {"subject": subject_user_id, "alert": alert_id})
    await go(update, context, state, NOTE_STEP)
    return True


async def ask_note(update: Update, context: BotContext, state: DialogState) -> None:
    _ = context.tr.gettext
    subject_user_id = int(state.data["subject"])
    name = name_or_number(
        await notes.subject_name(context.runtime, subject_user_id), subject_user_id
    )
    await _send(
        update,
        context,
        _("Write your note about {name} and send it as one message. /cancel stops.").format(
            name=name
        ),
    )


async def on_note_message(update: Update, context: BotContext, state: DialogState) -> None:
    """The note's one step: the next text is the note."""
    message = update.effective_message
    _ = context.tr.gettext
    if message is None or not message.text:
        await _send(update, context, _("Please send the note as text, or /cancel."))
        return
    saved = await notes.save_note(
        context.runtime,
        int(state.data["subject"]),
        context.account.id,
        message.text,
        state.data.get("alert"),
        close_dialog=True,
    )
    if not saved:
        await _send(update, context, _("You can only add notes about people in your communities."))
        return
    await _send(update, context, _("Note saved. It shows in /ledger."))


async def note_in_progress(update: Update, context: BotContext) -> bool:
    """Router priority: a staff member writing a note gets it saved, whatever it says."""
    state = await engine.load(context)
    if state is None or state.flow != NOTE_FLOW:
        return False
    return await engine.on_message(update, context, state)


# One question, on the engine (claimed before danger words: see FEATURE below).
NOTE = Flow(NOTE_FLOW, steps=(Step(NOTE_STEP, ask_note, on_text=on_note_message),))
