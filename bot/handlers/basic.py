"""Greeting, help, language choice and the answer to anything unrecognised."""

from __future__ import annotations

import logging

from telegram import Message, Update
from telegram.error import TelegramError

from bot import access, accounts
from bot.commands import ADMIN_COMMANDS, STAFF_COMMANDS, publish_personal_commands
from bot.config import SUPPORTED_LOCALES
from bot.context import BotContext
from bot.conversation.chat import send_to_chat
from bot.domain.small_talk import SmallTalk, small_talk
from bot.features import Claim, Feature
from bot.handlers.guide import topics_button
from bot.keyboards import LanguageButton, language_keyboard, main_menu

log = logging.getLogger(__name__)


def help_text(context: BotContext) -> str:
    _ = context.tr.gettext
    return "\n".join(
        [
            _("<b>What I can do</b>"),
            _("/guide: how to protect yourself and your child (masks, ventilation, hand washing)"),
            _("/report: tell your community health worker how you or your child are"),
            _("/clinic: find the nearest fever clinic"),
            _("/me: see and correct your profile"),
            _("/language: 中文 / English"),
            _("/mydata: get a copy of your data; /delete: erase it"),
            _("/stop: pause messages from me"),
            _("In an emergency call {number} at once.").format(
                number=context.runtime.settings.emergency_number
            ),
        ]
    )


async def roles(context: BotContext) -> tuple[bool, bool]:
    """(staff, admin) for the person writing: which extra commands they have."""
    return await access.roles(context.runtime, context.account.id)


def _section(title: str, commands: tuple[tuple[str, str], ...], context: BotContext) -> str:
    _ = context.tr.gettext
    return "\n".join([title, *(f"/{name}: {_(text)}" for name, text in commands)])


async def help_for(context: BotContext) -> str:
    """The help a person needs: everyone's commands, plus the staff's and admins' to them."""
    staff, admin = await roles(context)
    return full_help(context, staff=staff, admin=admin)


def full_help(context: BotContext, *, staff: bool, admin: bool) -> str:
    _ = context.tr.gettext
    parts = [help_text(context)]
    if staff:
        parts.append(_section(_("<b>For community health workers</b>"), STAFF_COMMANDS, context))
    if admin:
        parts.append(_section(_("<b>For administrators</b>"), ADMIN_COMMANDS, context))
    return "\n\n".join(parts)


async def show_help(update: Update, context: BotContext) -> None:
    assert update.effective_message
    staff, admin = await roles(context)
    await send_to_chat(
        update, context, full_help(context, staff=staff, admin=admin), markup=main_menu(context.tr)
    )
    if staff or admin:
        # Their own "/" menu too, so the commands they just read are one tap away.
        try:
            await publish_personal_commands(
                context.bot,
                context.account.chat_id,
                context.runtime.catalogs,
                context.tr.locale,
                staff=staff,
                admin=admin,
            )
        except TelegramError as error:
            log.warning("could not set a personal command menu: %s", type(error).__name__)


async def choose_language(update: Update, context: BotContext) -> None:
    _ = context.tr.gettext
    assert update.effective_message
    await send_to_chat(
        update, context, _("Choose your language:"), markup=language_keyboard(context.tr.locale)
    )


async def language_chosen(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    pressed = LanguageButton.unpack(query.data)
    locale = pressed.locale if pressed is not None else ""
    if locale not in SUPPORTED_LOCALES:
        await query.answer()
        return
    runtime = context.runtime
    await accounts.save_language(runtime, context.account.id, locale)
    context.tr = runtime.catalogs.get(locale)
    _ = context.tr.gettext
    await query.answer(_("Language: English"))
    await query.edit_message_reply_markup(language_keyboard(locale))
    # The menu again, so its labels follow the new language.
    await send_to_chat(update, context, await help_for(context), main_menu(context.tr))


async def small_talk_answer(update: Update, context: BotContext) -> bool:
    """ "你好", "hi", "谢谢", "thanks": a kind word and the menu, not "I did not understand"."""
    message = update.effective_message
    kind = small_talk(message.text) if message is not None and message.text else None
    if kind is None:
        return False
    _ = context.tr.gettext
    if kind is SmallTalk.GREETING:
        text = _(
            "Hello! I am the maternal and child health assistant. Choose from the menu below "
            "or type your question; /help lists everything I can do."
        )
    else:
        text = _(
            "You are welcome! Look after yourself. The menu below is here whenever you need it."
        )
    await send_to_chat(update, context, text, main_menu(context.tr))
    return True


def _is_media(message: Message) -> bool:
    return any(
        (
            message.voice,
            message.audio,
            message.video_note,
            message.video,
            message.photo,
            message.sticker,
            message.animation,
            message.document,
        )
    )


async def media_hint(update: Update, context: BotContext) -> bool:
    """A voice note, photo or sticker cannot be read: ask for words, and give the number."""
    message = update.effective_message
    if message is None or message.text or not _is_media(message):
        return False
    _ = context.tr.gettext
    number = context.runtime.settings.emergency_number
    text = (
        _(
            "I can only read typed messages. Please type your question or answer in words, "
            "or use the menu."
        )
        + "\n"
        + _("In an emergency call {number} at once.").format(number=number)
    )
    await send_to_chat(update, context, text, main_menu(context.tr))
    return True


async def unknown(update: Update, context: BotContext) -> None:
    """Never leave a message unanswered: say what the bot can do, and offer the topics."""
    _ = context.tr.gettext
    assert update.effective_message
    await send_to_chat(
        update,
        context,
        _("Sorry, I did not understand that.") + "\n\n" + help_text(context),
        markup=topics_button(context.tr),
    )


async def unknown_button(update: Update, context: BotContext) -> None:
    """A press no feature claims (an old keyboard, forged data): answered, nothing changes."""
    query = update.callback_query
    if query is not None:
        await query.answer(context.tr.gettext("This button is no longer valid."))


FEATURE = Feature(
    "basic",
    commands=(("help", show_help), ("language", choose_language)),
    callbacks=((LanguageButton.pattern(), language_chosen),),
    claims=(
        Claim(media_hint, rank=100),  # a voice note or photo outside a dialog: ask for words
        Claim(small_talk_answer, rank=110),  # only a whole-message "hi": shadows no question
    ),
)
