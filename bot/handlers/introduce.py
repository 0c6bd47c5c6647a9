"""/introduce: a staff member chooses how the people they look after hear of them.

When they take an alert, the person who reported is told who is looking after her
(bot/looked_after.py): by the staff member's name, or only by their role. Until
they choose, the role is used. Buttons: `si:name`, `si:role`.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot import looked_after
from bot.access import Staff, staff_member
from bot.context import BotContext
from bot.conversation.callback_data import CallbackData
from bot.conversation.chat import send_to_chat
from bot.features import Feature
from bot.i18n import Translator


@dataclass(frozen=True)
class IntroduceButton(CallbackData, prefix="si"):
    choice: str


def _keyboard(staff: Staff, tr: Translator) -> InlineKeyboardMarkup:
    _ = tr.gettext
    current = staff.introduce_as or looked_after.ROLE
    labels = {
        looked_after.NAME: _("By my name"),
        looked_after.ROLE: _("By my role only"),
    }
    choices = [c for c in looked_after.CHOICES if c != looked_after.NAME or staff.display_name]
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    ("✓ " if choice == current else "") + labels[choice],
                    callback_data=IntroduceButton(choice).pack(),
                )
            ]
            for choice in choices
        ]
    )


def _shown(staff: Staff, tr: Translator) -> str:
    _ = tr.gettext
    who = looked_after.introduction(staff.role, staff.display_name, staff.introduce_as, tr)
    return _("When you take an alert, the person is told: “Looking after you: {who}.”").format(
        who=html.escape(who)
    )


async def introduce_command(update: Update, context: BotContext) -> None:
    _ = context.tr.gettext
    staff = await staff_member(context.runtime, context.account.id)
    if staff is None:
        await send_to_chat(
            update,
            context,
            _("This is for community health workers. Ask your administrator for an invite link."),
        )
        return
    await send_to_chat(
        update,
        context,
        _shown(staff, context.tr) + "\n\n" + _("How should the people you look after know you?"),
        _keyboard(staff, context.tr),
    )


async def on_callback(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    _ = context.tr.gettext
    pressed = IntroduceButton.unpack(query.data)
    choice = pressed.choice if pressed is not None else ""
    staff = await looked_after.choose_introduction(context.runtime, context.account.id, choice)
    if staff is None:
        await query.answer(_("This button is no longer valid."))
        return
    text = _shown(staff, context.tr)
    markup = _keyboard(staff, context.tr)
    await query.answer(_("Saved."))
    await query.edit_message_text(text, reply_markup=markup)


FEATURE = Feature(
    "introduce",
    commands=(("introduce", introduce_command),),
    callbacks=((IntroduceButton.pattern(), on_callback),),
)
