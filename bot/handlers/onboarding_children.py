"""Onboarding, children section: each child's birth date and an optional nickname."""

from __future__ import annotations

import html
from datetime import date

from telegram import Update

from bot import profile_actions
from bot.context import BotContext
from bot.dialogs import DialogState
from bot.domain.children import (
    ChildInputError,
    parse_birth_date,
    parse_nickname,
    validate_child_birth_date,
)
from bot.domain.dates import DateInputError
from bot.domain.onboarding import Section
from bot.handlers.onboarding_pregnancy import explain_error
from bot.handlers.steps import (
    Step,
    advance,
    button,
    go,
    keyboard,
    reask,
    send,
    typed_text,
)
from bot.i18n import format_day

BIRTH, NAME, MORE = "child_birth", "child_name", "more_children"


async def ask_birth(update: Update, context: BotContext, state: DialogState) -> None:
    _ = context.tr.gettext
    count = len(state.data.get("added", []))
    if count:
        text = _("Type the birth date of your next child, for example 2024-06-01.")
    else:
        text = _("Type your child's birth date, for example 2024-06-01.")
    await send(update, context, text)


async def birth_typed(update: Update, context: BotContext, state: DialogState) -> None:
    text = await typed_text(update, context, state)
    if text is None:
        return
    try:
        today = context.runtime.today()
        birth = validate_child_birth_date(parse_birth_date(text, today), today)
    except (DateInputError, ChildInputError) as error:
        await reask(update, context, state, explain_error(error, context.tr.locale))
        return
    if "child_id" in state.data:  # a correction from /me: this one field, then done
        await _correct(update, context, state, {"birth_date": birth})
        return
    state.data["birth"] = birth.isoformat()
    await go(update, context, state, NAME)


async def _correct(
    update: Update, context: BotContext, state: DialogState, changes: dict[str, object]
) -> None:
    child = await profile_actions.correct_child(
        context.runtime, context.account.id, int(state.data["child_id"]), changes
    )
    if child is not None:
        _ = context.tr.gettext
        label = html.escape(child.nickname) if child.nickname else _("your child")
        await send(
            update,
            context,
            _("Saved: {name}, born {birth}.").format(
                name=label, birth=format_day(child.birth_date, context.tr.locale)
            ),
        )
    await advance(update, context, state, Section.CHILDREN)


async def ask_name(update: Update, context: BotContext, state: DialogState) -> None:
    _ = context.tr.gettext
    await send(
        update,
        context,
        _("What do you call this child? A nickname helps you tell reports apart (optional)."),
        keyboard([button(_("Skip"), state, NAME, "skip")]),
    )


async def _save_child(
    update: Update, context: BotContext, state: DialogState, nickname: str | None
) -> None:
    birth = date.fromisoformat(state.data.pop("birth"))
    await profile_actions.add_child(context.runtime, context.account.id, birth, nickname)
    state.data.setdefault("added", []).append(birth.isoformat())
    _ = context.tr.gettext
    label = html.escape(nickname) if nickname else _("your child")
    await send(
        update,
        context,
        _("Saved: {name}, born {birth}.").format(
            name=label, birth=format_day(birth, context.tr.locale)
        ),
    )
    await go(update, context, state, MORE)


async def name_typed(update: Update, context: BotContext, state: DialogState) -> None:
    message = update.effective_message
    assert message is not None
    _ = context.tr.gettext
    try:
        nickname = parse_nickname(message.text or "")
    except ChildInputError as error:
        await reask(update, context, state, explain_error(error, context.tr.locale))
        return
    if "child_id" in state.data:
        await _correct(update, context, state, {"nickname": nickname})
        return
    await _save_child(update, context, state, nickname)


async def name_pressed(update: Update, context: BotContext, state: DialogState, value: str) -> None:
    if "child_id" in state.data:  # "Skip" on a correction: the name stays as it was
        await advance(update, context, state, Section.CHILDREN)
        return
    await _save_child(update, context, state, None)


async def ask_more(update: Update, context: BotContext, state: DialogState) -> None:
    _ = context.tr.gettext
    await send(
        update,
        context,
        _("Do you have another child aged 0–6?"),
        keyboard(
            [
                button(_("➕ Add another child"), state, MORE, "add"),
                button(_("Done"), state, MORE, "done"),
            ]
        ),
    )


async def more_pressed(update: Update, context: BotContext, state: DialogState, value: str) -> None:
    if value == "add":
        await go(update, context, state, BIRTH)
        return
    state.data.pop("added", None)
    await advance(update, context, state, Section.CHILDREN)


# This section's steps, in the order they are asked; onboarding.py assembles the flow.
STEPS = (
    Step(BIRTH, ask_birth, on_text=birth_typed),
    Step(NAME, ask_name, on_text=name_typed, on_button=name_pressed),
    Step(MORE, ask_more, on_button=more_pressed),
)
ENTRIES = {Section.CHILDREN: BIRTH}
