"""/guide, the "📖 Guide" menu button, and questions typed in free text.

The menu opens on the reader's own audience (from her profile) with a tab per
audience; switching tabs edits the menu in place. A topic is sent as a message
of its own, ending with its sources, so it stays in the chat to re-read; its
"back" button sends a fresh menu below it.

callback_data (ids only, at most 64 bytes), after the "g:" prefix:
  m[:<audience>]            a new menu message (back, "all topics")
  a:<audience>              switch the menu's tab, editing it in place
  t:<topic id>[:<audience>] show a topic (the audience is where "back" returns)
  w[:<audience>]            this week of pregnancy, for her
  k[:<audience>]            her children's age-band guidance
"""

from __future__ import annotations

import html
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Update,
)
from telegram.error import BadRequest

from bot import guide
from bot.context import BotContext
from bot.conversation.callback_data import CallbackData
from bot.conversation.chat import chat_id_of, send_to_chat
from bot.education import Source, Topic
from bot.education.telegram_html import MAX_MESSAGE_LENGTH, message_length
from bot.features import Claim, Feature
from bot.i18n import N_, Translator, format_day
from bot.keyboards import MENU_GUIDE

# Enough to choose from without scrolling past the question.
MAX_SUGGESTIONS = 4
# Two topic buttons share a row when both labels are this narrow (a Chinese
# character counts two), so short titles pair up and long ones stay readable.
PAIR_WIDTH = 16

AUDIENCE_LABELS = {
    "pregnant": N_("🤰 Pregnant"),
    "parent": N_("👶 Parents"),
    "everyone": N_("👪 Everyone"),
}
AUDIENCE_HEADINGS = {
    "pregnant": N_("Topics for pregnant women. Choose one:"),
    "parent": N_("Topics for parents of young children. Choose one:"),
    "everyone": N_("Topics for everyone. Choose one:"),
}
THIS_WEEK = N_("🗓 This week for you")
CHILD_AGE = N_("🗓 For your child's age")
BACK = N_("⬅ Back to topics")
ALL_TOPICS = N_("📖 All topics")
NO_LINK_PREVIEW = LinkPreviewOptions(is_disabled=True)


@dataclass(frozen=True)
class GuideButton(CallbackData, prefix="g"):
    """m[:audience] menu, a:audience tab, t:topic[:audience], w|k[:audience] stage."""

    action: str
    first: str | None = None
    second: str | None = None


MENU_CALLBACK = GuideButton("m").pack()


def _button(label: str, data: str) -> InlineKeyboardButton:
    """`data` is "action[:first[:second]]"."""
    action, *rest = data.split(":")
    rest += [None, None]  # type: ignore[list-item]
    packed = GuideButton(action, rest[0] or None, rest[1] or None).pack()
    return InlineKeyboardButton(label, callback_data=packed)


def topics_button(tr: Translator) -> InlineKeyboardMarkup:
    """One button opening the topic menu: offered where the bot did not understand."""
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(tr.gettext(ALL_TOPICS), callback_data=MENU_CALLBACK)]]
    )


def _width(label: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in label)


def _pack(buttons: Sequence[InlineKeyboardButton]) -> list[list[InlineKeyboardButton]]:
    rows: list[list[InlineKeyboardButton]] = []
    pending = list(buttons)
    while pending:
        first = pending.pop(0)
        if pending and _width(first.text) <= PAIR_WIDTH and _width(pending[0].text) <= PAIR_WIDTH:
            rows.append([first, pending.pop(0)])
        else:
            rows.append([first])
    return rows


def _menu(tr: Translator, reader: guide.Reader, audience: str) -> tuple[str, InlineKeyboardMarkup]:
    _ = tr.gettext
    text = _("<b>📖 Health guide</b>") + "\n" + _(AUDIENCE_HEADINGS[audience])
    tabs = [
        _button(("✓ " if a == audience else "") + _(AUDIENCE_LABELS[a]), f"a:{a}")
        for a in guide.AUDIENCES
    ]
    personal = []
    if reader.pregnancy is not None:
        personal.append(_button(_(THIS_WEEK), f"w:{audience}"))
    if reader.children:
        personal.append(_button(_(CHILD_AGE), f"k:{audience}"))
    topics = [
        _button(t.title(tr.locale), f"t:{t.id}:{audience}") for t in guide.topics_in(audience)
    ]
    rows = [tabs, *([personal] if personal else []), *_pack(topics)]
    return text, InlineKeyboardMarkup(rows)


def _back(tr: Translator, audience: str | None) -> InlineKeyboardMarkup:
    data = f"m:{audience}" if audience else "m"
    return InlineKeyboardMarkup([[_button(tr.gettext(BACK), data)]])


def _sources_line(tr: Translator, sources: Sequence[Source]) -> str:
    """Every content item names its sources: titles (linked when there is a URL) and years."""
    names = []
    for source in sources:
        title = html.escape(source.title)
        if source.url:
            title = f'<a href="{html.escape(source.url, quote=True)}">{title}</a>'
        names.append(f"{title} ({source.year})")
    return "<i>" + tr.gettext("Sources: {sources}").format(sources="; ".join(names)) + "</i>"


def _with_sources(text: str, sources_line: str) -> list[str]:
    """The text with its sources below; two messages if together they exceed Telegram's limit."""
    combined = f"{text}\n\n{sources_line}"
    if message_length(combined) <= MAX_MESSAGE_LENGTH:
        return [combined]
    return [text, sources_line]


async def _send_parts(
    context: BotContext, chat_id: int, parts: Sequence[str], markup: InlineKeyboardMarkup | None
) -> None:
    """Send the parts in order; the buttons go on the last one, where the reader finishes."""
    for i, part in enumerate(parts):
        await context.bot.send_message(
            chat_id,
            part,
            reply_markup=markup if i == len(parts) - 1 else None,
            link_preview_options=NO_LINK_PREVIEW,
        )


async def _reader(context: BotContext) -> guide.Reader:
    return await guide.reader(context.runtime, context.account.id)


async def show_menu(update: Update, context: BotContext) -> None:
    """/guide and the menu button: the topics for her audience."""
    await _send_menu(update, context, None)


async def _send_menu(update: Update, context: BotContext, audience: str | None) -> None:
    reader = await _reader(context)
    text, markup = _menu(context.tr, reader, audience or reader.audience)
    await send_to_chat(update, context, text, markup)


async def send_topic(
    update: Update, context: BotContext, topic: Topic, audience: str | None
) -> None:
    tr = context.tr
    text = topic.render(tr.locale, emergency_number=context.runtime.settings.emergency_number)
    parts = _with_sources(text, _sources_line(tr, topic.sources))
    await _send_parts(context, chat_id_of(update), parts, _back(tr, audience))


async def answer_question(update: Update, context: BotContext) -> bool:
    """Free text: one matching topic is shown, several are offered; none leaves it to others."""
    message = update.effective_message
    if message is None or not message.text:
        return False
    found = guide.search(message.text, context.tr.locale)
    if not found:
        return False
    if len(found) == 1:
        await send_topic(update, context, found[0], None)
        return True
    _ = context.tr.gettext
    rows = [[_button(t.title(context.tr.locale), f"t:{t.id}")] for t in found[:MAX_SUGGESTIONS]]
    rows.append([_button(_(ALL_TOPICS), "m")])
    await send_to_chat(
        update,
        context,
        _("I found these topics about your question. Choose one:"),
        InlineKeyboardMarkup(rows),
    )
    return True


def _audience(value: str) -> str | None:
    return value if value in guide.AUDIENCES else None


async def on_callback(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    _ = context.tr.gettext
    pressed = GuideButton.unpack(query.data)
    if pressed is None:
        await query.answer()
        return
    action = pressed.action
    args = [a for a in (pressed.first, pressed.second) if a is not None]
    if action == "m":
        await query.answer()
        await _send_menu(update, context, _audience(args[0]) if args else None)
    elif action == "a" and args and (audience := _audience(args[0])):
        await query.answer()
        await _switch_tab(update, context, audience)
    elif action == "t" and args:
        topic = guide.find_topic(args[0])
        if topic is None:
            await query.answer(_("This topic is no longer available."))
            return
        await query.answer()
        await send_topic(update, context, topic, _audience(args[1]) if len(args) > 1 else None)
    elif action in ("w", "k"):
        await _stage_guidance(update, context, action, _audience(args[0]) if args else None)
    else:
        await query.answer()


async def _switch_tab(update: Update, context: BotContext, audience: str) -> None:
    query = update.callback_query
    assert query is not None
    text, markup = _menu(context.tr, await _reader(context), audience)
    try:
        await query.edit_message_text(text, reply_markup=markup)
    except BadRequest as exc:
        # Pressing the tab already shown changes nothing, and Telegram says so.
        if "not modified" in exc.message.lower():
            return
        # Too old or gone: a new menu serves as well.
        await send_to_chat(update, context, text, markup)


async def _stage_guidance(
    update: Update, context: BotContext, action: str, audience: str | None
) -> None:
    """Her week of pregnancy (w) or her children's age bands (k), worked out today.

    Worked out afresh on every press, so a button left from before a birth or a
    loss shows nothing about the pregnancy.
    """
    query = update.callback_query
    assert query is not None
    tr = context.tr
    reader = await _reader(context)
    number = context.runtime.settings.emergency_number
    parts: list[str] = []
    if action == "w" and reader.pregnancy is not None:
        text = reader.pregnancy.render(tr.locale, emergency_number=number)
        parts = _with_sources(text, _sources_line(tr, reader.pregnancy.sources))
    elif action == "k":
        for group in reader.children:
            names = ", ".join(
                html.escape(c.nickname or format_day(c.birth_date, tr.locale))
                for c in group.children
            )
            text = f"👶 <b>{names}</b>\n\n" + group.message.render(
                tr.locale, emergency_number=number
            )
            parts += _with_sources(text, _sources_line(tr, group.message.sources))
    if not parts:
        await query.answer(tr.gettext("There is no stage guidance for you right now."))
        return
    await query.answer()
    await _send_parts(context, chat_id_of(update), parts, _back(tr, audience))


FEATURE = Feature(
    "guide",
    commands=(("guide", show_menu),),
    callbacks=((GuideButton.pattern(), on_callback),),
    menu=((MENU_GUIDE, show_menu),),
    # Last of all: topic keywords are broad (fever, massage), so every other claim on a
    # message comes first and the topics answer only what nobody else claimed.
    claims=(Claim(answer_question, rank=900),),
)
