"""/broadcast and /broadcasts for admins: compose, count, test, send, confirm, cancel, report.

Thin: parsing is bot/broadcasts/compose.py, everything else bot/broadcasts/service.py
(the same service as `python -m bot broadcast`). Buttons carry the broadcast id:
bc:test, bc:send, bc:drop on the preview; bc:cancel on the progress message;
bc:confirm on the request sent to the other admins.
"""

from __future__ import annotations

import html
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Message, Update

from bot.access import is_admin
from bot.broadcasts import admin_chat, compose, export, progress, service
from bot.broadcasts.admin_chat import Broadcast
from bot.broadcasts.buttons import PREFIX, BroadcastButton
from bot.broadcasts.segments import text_for
from bot.context import BotContext
from bot.features import Feature, prefix_pattern
from bot.i18n import Translator


def _errors(context: BotContext) -> dict[str, str]:
    _ = context.tr.gettext
    return {
        "bad_option": _("I do not understand “{detail}”. Send /broadcast for the options."),
        "no_language": _("Start each version with zh: or en: on its own line."),
        "no_text": _("Write the message after the first line, starting with zh: or en:."),
        "unknown_language": _("Unknown language: {detail}"),
        "bad_html": _("The message is not valid Telegram HTML ({detail})."),
        "too_long": _("The {detail} version is longer than one Telegram message."),
        "nobody": _("Nobody matches this segment."),
        "not_found": _("This broadcast is not yours or no longer exists."),
        "not_a_preview": _("This broadcast was already sent or discarded."),
        "not_a_draft": _("This broadcast does not need a confirmation (any more)."),
        "same_admin": _("A second administrator must confirm it, not the one who wrote it."),
    }


def _error_text(context: BotContext, code: str, detail: str = "") -> str:
    return _errors(context).get(code, code).format(detail=html.escape(detail))


async def _admin_message(update: Update, context: BotContext) -> Message | None:
    """The admin's message, or None once a non-admin has been told no."""
    message = update.effective_message
    assert message is not None
    if is_admin(context.runtime.settings, context.account.id):
        return message
    await message.reply_text(context.tr.gettext("Only administrators can send broadcasts."))
    return None


async def broadcast_command(update: Update, context: BotContext) -> None:
    message = await _admin_message(update, context)
    if message is None:
        return
    runtime = context.runtime
    _ = context.tr.gettext
    if "\n" not in (message.text or ""):
        await message.reply_text(
            _(
                "Write the segment on the first line and each language's version below it:\n"
                "<code>/broadcast pregnant community=C001 weeks=28-40\n"
                "zh: (the Chinese version)\nen: (the English version)</code>\n\n"
                "Segment words (combined with AND; none means everyone): pregnant, parents, "
                "priority, district=…, community=…, colour=orange,red, weeks=28-36, "
                "months=0-6, lang=zh,en, pregnancy-topic. Options: urgent (sent even in quiet "
                "hours), at=2026-12-03T09:00 (a later start)."
            )
        )
        return
    try:
        composed = compose.parse(message.text or "", runtime.settings.zone)
        request = service.Request(
            context.account.id, composed.texts, composed.segment, composed.urgent,
            composed.send_at,
        )  # fmt: skip
        staged, chosen = await service.stage(runtime, request)
    except (compose.ComposeError, service.BroadcastError) as error:
        await message.reply_text(_error_text(context, error.code, error.detail))
        return
    assert staged.id is not None
    languages = ", ".join(f"{k}: {v}" for k, v in sorted(chosen.per_language().items()))
    left_out = ", ".join(f"{k}: {v}" for k, v in sorted(chosen.excluded.items())) or "0"
    start = service.start_time(runtime, staged.send_at, staged.urgent)
    await message.reply_text(
        _(
            "Broadcast #{id}: {count} people ({languages}). Left out: {left_out}.\n"
            "Starts {start}{urgent}. Send a test to yourself first?"
        ).format(
            id=staged.id,
            count=len(chosen.recipients),
            languages=languages,
            left_out=left_out,
            start=start.astimezone(runtime.settings.zone).strftime("%Y-%m-%d %H:%M"),
            urgent=_(" (urgent: quiet hours do not hold it)") if staged.urgent else "",
        ),
        reply_markup=InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(
                        _("Send a test to me"),
                        callback_data=BroadcastButton("test", staged.id).pack(),
                    )
                ],
                [
                    InlineKeyboardButton(
                        _("Send it"), callback_data=BroadcastButton("send", staged.id).pack()
                    )
                ],
                [
                    InlineKeyboardButton(
                        _("Discard"), callback_data=BroadcastButton("drop", staged.id).pack()
                    )
                ],
            ]
        ),
    )


async def on_callback(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    runtime = context.runtime
    _ = context.tr.gettext
    pressed = BroadcastButton.unpack(query.data)
    if not is_admin(runtime.settings, context.account.id) or pressed is None:
        await query.answer(_("This button is no longer valid."))
        return
    action, broadcast_id, admin = pressed.action, pressed.broadcast_id, context.account.id
    try:
        if action == "test":
            await admin_chat.send_test(runtime, broadcast_id, admin)
            await query.answer(_("Test sent to you."))
        elif action == "send":
            await query.answer()
            await _send(update, context, broadcast_id)
        elif action == "drop":
            await service.discard(runtime, broadcast_id, admin)
            await query.answer()
            await query.edit_message_text(_("Broadcast #{id} discarded.").format(id=broadcast_id))
        elif action == "confirm":
            confirmed = await service.confirm(runtime, broadcast_id, admin)
            await query.answer()
            await query.edit_message_text(
                _("You confirmed broadcast #{id}: {count} people.").format(
                    id=broadcast_id, count=confirmed.recipients
                )
            )
        elif action == "cancel":
            dropped = await service.cancel(runtime, broadcast_id)
            await query.answer()
            await query.edit_message_text(
                _("Broadcast #{id} cancelled: {count} messages will not be sent.").format(
                    id=broadcast_id, count=dropped
                )
            )
        else:
            await query.answer(_("This button is no longer valid."))
    except service.BroadcastError as error:
        await query.answer(_error_text(context, error.code, error.detail), show_alert=True)


async def _send(update: Update, context: BotContext, broadcast_id: int) -> None:
    runtime = context.runtime
    _ = context.tr.gettext
    query = update.callback_query
    assert query is not None and query.message is not None
    admin = context.account.id
    released = await service.release(
        runtime, broadcast_id, admin, progress=(query.message.chat.id, query.message.message_id)
    )
    if released.status == service.DRAFT:
        others = sorted(runtime.settings.admin_ids - {admin})
        await _ask_others(context, released, others)
        text = (
            _("Broadcast #{id} goes to {count} people: {asked} other administrators were asked "
              "to confirm it.").format(id=broadcast_id, count=released.recipients,
                                       asked=len(others))
            if others
            else _("Broadcast #{id} goes to {count} people and needs a second administrator, "
                   "but there is no other one (ADMIN_IDS). It was not sent.").format(
                       id=broadcast_id, count=released.recipients)
        )  # fmt: skip
        await query.edit_message_text(text)
        return
    state = await progress.progress_of(runtime, broadcast_id)
    markup = InlineKeyboardMarkup.de_json(progress.cancel_markup(broadcast_id, context.tr), None)
    await query.edit_message_text(progress.render(state, context.tr), reply_markup=markup)


async def _ask_others(context: BotContext, broadcast: Broadcast, others: list[int]) -> None:
    default = context.runtime.settings.default_locale

    def request(tr: Translator) -> tuple[str, dict[str, Any]]:
        _ = tr.gettext
        text = _("Broadcast #{id} to {count} people needs your confirmation:\n\n{text}").format(
            id=broadcast.id,
            count=broadcast.recipients,
            text=text_for(broadcast.texts, tr.locale, default),
        )
        button = {
            "text": _("Confirm"),
            "callback_data": BroadcastButton("confirm", broadcast.id).pack(),
        }
        return text, {"inline_keyboard": [[button]]}

    await admin_chat.ask_to_confirm(context.runtime, broadcast, others, request)


async def broadcasts_command(update: Update, context: BotContext) -> None:
    """`/broadcasts` lists recent ones; `/broadcasts ID` sends that one's outcomes as CSV."""
    message = await _admin_message(update, context)
    if message is None:
        return
    runtime = context.runtime
    _ = context.tr.gettext
    args = context.args or []
    if args and args[0].isdigit():
        assert update.effective_user is not None
        table = await export.export(runtime, int(args[0]), update.effective_user.id, "chat")
        await message.reply_document(
            InputFile(table.encode(), filename=f"broadcast-{args[0]}.csv"),
            caption=_("Per-recipient outcomes of broadcast #{id}.").format(id=args[0]),
        )
        return
    recent = await admin_chat.recent(runtime, 10)
    if not recent:
        await message.reply_text(_("No broadcasts yet."))
        return
    lines = []
    for broadcast in recent:
        assert broadcast.id is not None
        state = await progress.progress_of(runtime, broadcast.id)
        lines.append(f"{broadcast.status} · " + progress.render(state, context.tr, final=True))
    await message.reply_text("\n".join(lines) + "\n\n" + _("/broadcasts ID: its CSV."))


FEATURE = Feature(
    "broadcast",
    commands=(("broadcast", broadcast_command), ("broadcasts", broadcasts_command)),
    callbacks=((prefix_pattern(PREFIX), on_callback),),
)
