"""Fever clinic: the menu button, /clinic, fever words, and a shared location.

Parents took feverish children to massage venues because they did not know where else
to go (seed 004), so the way to a fever clinic is short: one question (share your
location, or pick a district), one answer with the three nearest places open now and
what to do before going, and a map pin for the nearest.

The question is a dialog (flow "clinic") held in the database, so the location that
answers it reaches this module even after a restart or on another worker. The answer
text is always sent before the pin: if Telegram refuses the pin, the text has arrived.
"""

from __future__ import annotations

import html
import logging
from dataclasses import dataclass

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    Update,
)
from telegram.error import TelegramError

from bot import clinics, profile_actions
from bot.clinics import Directory, DistrictNames, Search
from bot.context import BotContext
from bot.conversation.callback_data import CallbackData
from bot.conversation.chat import chat_id_of as _chat_id
from bot.conversation.chat import send_to_chat as _send
from bot.conversation.engine import Flow, Step, clear_flow, new_dialog, save
from bot.dialogs import DialogState
from bot.domain.clinics import RankedPlace
from bot.domain.intents import read_signals
from bot.features import Claim, Feature
from bot.handlers.clinic_text import PREGNANT_EMERGENCY, render_answer
from bot.keyboards import MENU_CLINIC, main_menu

log = logging.getLogger(__name__)

FLOW = "clinic"
WHERE = "where"  # the one step: waiting for a location or a district
PAGE_SIZE = 8
FEVER = "f"  # the modes (and PREGNANT_EMERGENCY) are short: they travel in callback_data
CHILD = "c"  # a fever in a child: children's fever clinics first
MODES = (FEVER, CHILD, PREGNANT_EMERGENCY)


def _search(mode: str) -> Search:
    return Search.for_person(pregnant_emergency=mode == PREGNANT_EMERGENCY, child=mode == CHILD)


async def _fever_mode(context: BotContext, about_a_child: bool = False) -> str:
    """CHILD when the fever is a child's: the message says so, or she is a parent and not
    pregnant (so the fever she asks about is most likely her child's)."""
    if about_a_child:
        return CHILD
    profile = await profile_actions.own_profile(context.runtime, context.account.id)
    if profile is not None and profile.consent == "given" and profile.parent:
        return FEVER if profile.pregnant else CHILD
    return FEVER


def _emergency_line(context: BotContext) -> str:
    _ = context.tr.gettext
    return _("In an emergency call {number} at once.").format(
        number=context.runtime.settings.emergency_number
    )


async def _say_no_list(update: Update, context: BotContext) -> None:
    _ = context.tr.gettext
    await _send(
        update,
        context,
        _(
            "I am sorry: the list of fever clinics has not been published in this bot yet, "
            "so I cannot show you where to go. Your community health worker can tell you "
            "the nearest fever clinic."
        )
        + "\n\n"
        + _emergency_line(context),
        main_menu(context.tr),
    )


# --- asking where --------------------------------------------------------------------------


def _location_keyboard(context: BotContext) -> ReplyKeyboardMarkup:
    _ = context.tr.gettext
    return ReplyKeyboardMarkup(
        [[KeyboardButton(_("📍 Share my location"), request_location=True)]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


@dataclass(frozen=True)
class ClinicButton(CallbackData, prefix="cl"):
    """Turn the district page ("p", mode, page) or pick a district ("d", mode, place id).

    Not tied to a dialog: choosing from an older list is harmless (a place id, not a
    position, so a new import cannot make it point at another district)."""

    action: str
    mode: str
    value: str


def _button(label: str, action: str, mode: str, value: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=ClinicButton(action, mode, value).pack())


def _district_keyboard(
    directory: Directory, mode: str, page: int, names: DistrictNames, locale: str
) -> InlineKeyboardMarkup | None:
    choices = clinics.district_choices(directory, _search(mode).types)
    if not choices:
        return None
    pages = (len(choices) + PAGE_SIZE - 1) // PAGE_SIZE
    page = min(max(page, 0), pages - 1)
    shown = choices[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    rows = [
        [
            _button(names.shown(choice.name, locale), "d", mode, choice.key)
            for choice in shown[i : i + 2]
        ]
        for i in range(0, len(shown), 2)
    ]
    paging = []
    if page > 0:
        paging.append(_button("◀", "p", mode, str(page - 1)))
    if page < pages - 1:
        paging.append(_button("▶", "p", mode, str(page + 1)))
    if paging:
        rows.append(paging)
    return InlineKeyboardMarkup(rows)


def _question(context: BotContext, mode: str) -> str:
    _ = context.tr.gettext
    if mode == PREGNANT_EMERGENCY:
        return _(
            "Share your location with the button below and I will show the nearest "
            "emergency midwifery institutions and hospitals, or choose your district. "
            "If you are bleeding, have a fit or severe pain, call {number} now."
        ).format(number=context.runtime.settings.emergency_number)
    return _(
        "Share your location with the button below and I will show the three nearest "
        "fever clinics that are open now, or choose your district."
    )


async def ask_where(
    update: Update, context: BotContext, *, mode: str = FEVER, intro: str | None = None
) -> None:
    """Start the clinic dialog: a location button, and district buttons."""
    runtime = context.runtime
    _ = context.tr.gettext
    directory = await clinics.load_directory(runtime.db)
    if directory.is_empty:
        if intro:
            await _send(update, context, intro)
        await _say_no_list(update, context)
        return
    state = new_dialog(FLOW, {"mode": mode})
    state.step = WHERE
    await save(context, state)
    await _ask(update, context, state, intro=intro, directory=directory)


async def _ask(
    update: Update,
    context: BotContext,
    state: DialogState,
    *,
    intro: str | None = None,
    directory: Directory | None = None,
) -> None:
    """The question itself (asked again by the engine after a restart)."""
    runtime = context.runtime
    _ = context.tr.gettext
    mode = str(state.data.get("mode", FEVER))
    directory = directory or await clinics.load_directory(runtime.db)
    question = _question(context, mode)
    await _send(
        update,
        context,
        f"{intro}\n\n{question}" if intro else question,
        _location_keyboard(context),
    )
    names = await clinics.district_names(runtime.db)
    keyboard = _district_keyboard(directory, mode, 0, names, context.tr.locale)
    if keyboard is not None:
        await _send(update, context, _("Or choose your district:"), keyboard)


async def offer_clinic_directions(
    update: Update, context: BotContext, *, pregnant_emergency: bool = False
) -> None:
    """Ask where the person is, then show the nearest places (used after /report too).

    With ``pregnant_emergency`` the answer lists emergency midwifery institutions first.
    """
    mode = PREGNANT_EMERGENCY if pregnant_emergency else await _fever_mode(context)
    await ask_where(update, context, mode=mode)


async def clinic_command(update: Update, context: BotContext) -> None:
    """/clinic and the menu button."""
    await ask_where(update, context, mode=await _fever_mode(context))


async def fever_text(update: Update, context: BotContext) -> bool:
    """Free text about a fever: the way to a fever clinic (router FREE_TEXT)."""
    message = update.effective_message
    if message is None or not message.text:
        return False
    signals = read_signals(message.text)
    if not signals.fever:
        return False
    _ = context.tr.gettext
    intro = _(
        "With a fever, the place to go is a hospital <b>fever clinic</b>, not a massage "
        "or tuina venue. To tell your community health worker how your child is, send /report."
    )
    await ask_where(update, context, mode=await _fever_mode(context, signals.child), intro=intro)
    return True


# --- answering -----------------------------------------------------------------------------


async def location_without_dialog(update: Update, context: BotContext) -> bool:
    """A location shared out of the blue is most likely someone looking for a clinic."""
    message = update.effective_message
    if message is None or message.location is None:
        return False
    await _answer_location(update, context, await _fever_mode(context))
    return True


async def on_flow_message(update: Update, context: BotContext, state: DialogState) -> bool:
    """A message while the clinic question is open; False: not an answer."""
    message = update.effective_message
    assert message is not None
    mode = str(state.data.get("mode", FEVER))
    if message.location is not None:
        await _finish_dialog(context)
        await _answer_location(update, context, mode)
        return True
    directory = await clinics.load_directory(context.runtime.db)
    names = await clinics.district_names(context.runtime.db)
    district = clinics.district_named(directory, message.text or "", names)
    await _finish_dialog(context)
    if district is not None:
        await _answer_district(update, context, directory, district, mode)
        return True
    # Anything else (another question) was not an answer: the router handles it as if
    # the question had never been asked.
    return False


# One question, on the engine: a shared location or a typed district answers it.
CLINIC_QUESTION = Flow(FLOW, steps=(Step(WHERE, _ask, on_text=on_flow_message),))


async def _finish_dialog(context: BotContext) -> None:
    await clear_flow(context, FLOW)


async def on_callback(update: Update, context: BotContext) -> None:
    """cl:p:<mode>:<page> turns the district page; cl:d:<mode>:<place id> picks a district."""
    query = update.callback_query
    assert query is not None
    _ = context.tr.gettext
    pressed = ClinicButton.unpack(query.data)
    action, mode, value = (pressed.action, pressed.mode, pressed.value) if pressed else ("", "", "")
    if mode not in MODES or action not in ("p", "d"):
        await query.answer()
        return
    directory = await clinics.load_directory(context.runtime.db)
    if action == "p":
        await query.answer()
        page = int(value) if value.isdigit() else 0
        names = await clinics.district_names(context.runtime.db)
        await query.edit_message_reply_markup(
            _district_keyboard(directory, mode, page, names, context.tr.locale)
        )
        return
    place = directory.place(value)
    if place is None:
        # The list was replaced since the buttons were sent.
        await query.answer(_("The list has been updated; please choose again."))
        names = await clinics.district_names(context.runtime.db)
        keyboard = _district_keyboard(directory, mode, 0, names, context.tr.locale)
        if keyboard is None:
            await _say_no_list(update, context)
        else:
            await query.edit_message_reply_markup(keyboard)
        return
    await query.answer()
    await _finish_dialog(context)
    await _answer_district(update, context, directory, place.district, mode)


async def _answer_location(update: Update, context: BotContext, mode: str) -> None:
    message = update.effective_message
    assert message is not None and message.location is not None
    runtime = context.runtime
    _ = context.tr.gettext
    directory = await clinics.load_directory(runtime.db)
    if directory.is_empty:
        await _say_no_list(update, context)
        return
    ranked = clinics.nearest(
        directory,
        message.location.latitude,
        message.location.longitude,
        runtime.clock.now(),
        runtime.settings.zone,
        _search(mode),
    )
    heading = (
        _("Emergency midwifery institutions and hospitals nearest to you")
        if mode == PREGNANT_EMERGENCY
        else _("Fever clinics nearest to you")
    )
    await _answer(update, context, directory, ranked, heading, mode)


async def _answer_district(
    update: Update, context: BotContext, directory: Directory, district: str, mode: str
) -> None:
    runtime = context.runtime
    _ = context.tr.gettext
    ranked = clinics.in_district(
        directory, district, runtime.clock.now(), runtime.settings.zone, _search(mode)
    )
    names = await clinics.district_names(runtime.db)
    name = html.escape(names.shown(district, context.tr.locale))
    heading = (
        _("Emergency midwifery institutions and hospitals in {district}")
        if mode == PREGNANT_EMERGENCY
        else _("Fever clinics in {district}")
    ).format(district=name)
    await _answer(update, context, directory, ranked, heading, mode)


async def _answer(
    update: Update,
    context: BotContext,
    directory: Directory,
    ranked: list[RankedPlace],
    heading: str,
    mode: str,
) -> None:
    """The list as one message, then a pin for the first place."""
    text = render_answer(context, directory, ranked, heading, mode)
    await _send(update, context, text, main_menu(context.tr))
    if not ranked:
        return
    first = ranked[0].place
    shown = first.shown(context.tr.locale)
    try:
        await context.bot.send_venue(
            _chat_id(update),
            latitude=first.lat,
            longitude=first.lon,
            title=shown.name,
            address=shown.address,
        )
    except TelegramError as error:
        # The text with the address already arrived; a missing pin is not worth an error.
        log.warning("could not send the venue pin: %s", type(error).__name__)


# --- rendering -----------------------------------------------------------------------------


FEATURE = Feature(
    "clinic",
    commands=(("clinic", clinic_command),),
    callbacks=((ClinicButton.pattern(), on_callback),),
    flows=(CLINIC_QUESTION,),
    menu=((MENU_CLINIC, clinic_command),),
    claims=(Claim(fever_text, rank=210), Claim(location_without_dialog, rank=220)),
)
