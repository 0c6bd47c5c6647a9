"""/me and corrections, /mydata, /delete, /stop (and STOP words), /cancel."""

from __future__ import annotations

import functools
import html
import json
import tomllib
from dataclasses import dataclass
from pathlib import Path

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update

from bot import profile_actions
from bot.communities import community_name
from bot.context import BotContext
from bot.conversation import engine
from bot.conversation.callback_data import CallbackData
from bot.conversation.chat import send_to_chat as _reply
from bot.conversation.engine import enter, new_dialog
from bot.domain.children import child_age
from bot.domain.gestation import gestational_age
from bot.domain.onboarding import Section
from bot.features import Claim, Feature
from bot.handlers import onboarding_children, onboarding_pregnancy
from bot.handlers.steps import FLOW, go, start_section
from bot.i18n import format_day
from bot.keyboards import MENU_PROFILE, language_keyboard, main_menu


@dataclass(frozen=True)
class ProfileButton(CallbackData, prefix="me"):
    """A /me button: an action ("pregnancy", "ch", "end"...) and what it is about."""

    action: str
    arg: str | None = None
OPT_OUT_FILE = Path(__file__).resolve().parents[2] / "content" / "opt_out.toml"


@functools.cache
def opt_out_words() -> frozenset[str]:
    with OPT_OUT_FILE.open("rb") as fp:
        words = tomllib.load(fp)["words"]
    return frozenset(w.casefold() for ws in words.values() for w in ws)


def _button(label: str, action: str) -> InlineKeyboardButton:
    """`action` is "what" or "what:about" (e.g. "ch:12")."""
    what, _sep, about = action.partition(":")
    return InlineKeyboardButton(label, callback_data=ProfileButton(what, about or None).pack())


async def show_profile(update: Update, context: BotContext) -> None:
    _ = context.tr.gettext
    runtime = context.runtime
    locale = context.tr.locale
    found = await profile_actions.overview(runtime, context.account.id)
    profile, children, community = found.profile, found.children, found.community
    if profile is None or profile.consent != "given":
        await _reply(
            update, context, _("You have not shared a profile. Send /start to set one up.")
        )
        return
    today = runtime.today()
    lines = [_("<b>Your profile</b>")]
    if profile.pregnant and profile.due_date:
        age = gestational_age(profile.due_date, today)
        lines.append(
            _("🤰 Pregnant: {weeks}+{days} weeks today, due {due}").format(
                weeks=age.weeks, days=age.days, due=format_day(profile.due_date, locale)
            )
        )
        colour = onboarding_pregnancy.colour_names().get(profile.risk_colour or "", {})
        lines.append(_("Risk colour: {colour}").format(colour=colour.get(locale, _("not given"))))
    for child in children:
        age = child_age(child.birth_date, today)
        lines.append(
            _("👶 {name}: born {birth} ({months} months)").format(
                name=html.escape(child.nickname or _("child")),
                birth=format_day(child.birth_date, locale),
                months=age.months,
            )
        )
    lines.append(
        _("🏘 Community: {name}").format(
            name=html.escape(community_name(community, locale)) if community else _("not chosen")
        )
    )
    lines.append(_("📱 Phone: {phone}").format(phone=html.escape(profile.phone or _("not shared"))))
    lines.append(_("Messages: paused (/start resumes)") if profile.paused else _("Messages: on"))
    rows = (
        [[_button(_("✏️ Pregnancy dates"), "pregnancy"), _button(_("🎨 Risk colour"), "colour")]]
        if profile.pregnant
        else [[_button(_("🤰 I am pregnant"), "pregnant")]]
    )
    rows += [
        [_button(_("➕ Add a child"), "child"), _button(_("🏘 Community"), "community")],
        [_button(_("📱 Phone"), "phone"), _button(_("🌐 Language"), "language")],
    ]
    rows += [
        [
            _button(
                _("✏️ {name}").format(name=c.nickname or format_day(c.birth_date, locale)),
                f"ch:{c.id}",
            )
        ]
        for c in children
    ]
    if profile.pregnant:
        rows.append([_button(_("My pregnancy has ended"), "ended")])
    await _reply(update, context, "\n".join(lines), InlineKeyboardMarkup(rows))


async def on_callback(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    pressed = ProfileButton.unpack(query.data)
    if pressed is None:
        await query.answer(context.tr.gettext("This button is no longer valid."))
        return
    action = pressed.action + (f":{pressed.arg}" if pressed.arg is not None else "")
    _ = context.tr.gettext
    runtime = context.runtime
    profile = await profile_actions.own_profile(runtime, context.account.id)
    if profile is None or profile.consent != "given":
        await query.answer(_("You have not shared a profile. Send /start to set one up."))
        return
    await query.answer()
    sections = {
        "pregnancy": Section.PREGNANCY,
        "child": Section.CHILDREN,
        "community": Section.COMMUNITY,
        "phone": Section.PHONE,
    }
    if action in ("pregnancy", "colour") and not profile.pregnant:
        # An old keyboard: a parent who is not pregnant has no pregnancy fields to correct.
        await _reply(update, context, _("This button is no longer valid."))
    elif action in sections:
        await start_section(update, context, sections[action], editing=True)
    elif action == "pregnant":
        # A new pregnancy: her dates, then the colour from her new booklet.
        state = new_dialog(FLOW, {"editing": True, "ask_colour": True})
        await enter(update, context, state, Section.PREGNANCY)
    elif action == "colour":
        await go(update, context, new_dialog(FLOW, {"editing": True}), "colour")
    elif action.startswith("ch:") and action[3:].isdigit():
        await _child_menu(update, context, int(action[3:]))
    elif action.startswith(("chb:", "chn:")) and action[4:].isdigit():
        step = onboarding_children.BIRTH if action.startswith("chb:") else onboarding_children.NAME
        state = new_dialog(FLOW, {"editing": True, "child_id": int(action[4:])})
        await go(update, context, state, step)
    elif action == "language":
        await _reply(
            update, context, _("Choose your language:"), language_keyboard(context.tr.locale)
        )
    elif action.startswith("rm:"):
        removed = await profile_actions.remove_child(runtime, context.account.id, int(action[3:]))
        await _reply(update, context, _("Removed.") if removed else _("Nothing to remove."))
    elif action == "ended":
        await _reply(
            update,
            context,
            _("How did your pregnancy end?"),
            InlineKeyboardMarkup(
                [
                    [_button(_("👶 My baby was born"), "end:birth")],
                    [_button(_("💔 I lost my pregnancy"), "end:loss")],
                    [_button(_("Go back"), "end:none")],
                ]
            ),
        )
    elif action.startswith("end:"):
        await _pregnancy_ended(update, context, action[4:])
    elif action.startswith("delete:"):
        await _delete_answered(update, context, action[7:] == "yes")


async def _child_menu(update: Update, context: BotContext, child_id: int) -> None:
    """Correct a child's name or birth date, or remove the child."""
    _ = context.tr.gettext
    child = await profile_actions.own_child(context.runtime, context.account.id, child_id)
    if child is None:
        await _reply(update, context, _("Nothing to remove."))
        return
    name = child.nickname or _("child")
    await _reply(
        update,
        context,
        _("👶 {name}: born {birth}. What would you like to change?").format(
            name=html.escape(name), birth=format_day(child.birth_date, context.tr.locale)
        ),
        InlineKeyboardMarkup(
            [
                [
                    _button(_("✏️ Name"), f"chn:{child_id}"),
                    _button(_("📅 Birth date"), f"chb:{child_id}"),
                ],
                [_button(_("❌ Remove {name}").format(name=name), f"rm:{child_id}")],
            ]
        ),
    )


async def _pregnancy_ended(update: Update, context: BotContext, outcome: str) -> None:
    if outcome not in ("birth", "loss"):
        return
    runtime = context.runtime
    _ = context.tr.gettext
    if not await profile_actions.end_pregnancy(runtime, context.account.id, outcome):
        return
    if outcome == "loss":
        await _reply(
            update,
            context,
            _(
                "I am so sorry for your loss. You will not receive any more pregnancy messages. "
                "Please look after yourself: if you feel very low, cannot sleep, or think of "
                "harming yourself, talk to your doctor or community health worker, or call "
                "the mental health hotline 12356. In an emergency call {number}."
            ).format(number=runtime.settings.emergency_number),
            main_menu(context.tr),
        )
        return
    await _reply(
        update,
        context,
        _("Congratulations! Let us add your baby so you get advice for their age."),
    )
    await start_section(update, context, Section.CHILDREN, editing=True)


async def my_data(update: Update, context: BotContext) -> None:
    _ = context.tr.gettext
    data = await profile_actions.export(context.runtime, context.account.id)
    document = json.dumps(data, ensure_ascii=False, indent=2).encode()
    chat = update.effective_chat
    assert chat is not None
    await context.bot.send_document(
        chat.id,
        InputFile(document, filename="mch-bot-my-data.json"),
        caption=_("Everything stored about you, as a JSON file."),
    )


async def delete_request(update: Update, context: BotContext) -> None:
    _ = context.tr.gettext
    await _reply(
        update,
        context,
        _(
            "This erases your profile, your children's details and all your reports, and "
            "removes you from your community's ledger. It cannot be undone. Delete everything?"
        ),
        InlineKeyboardMarkup(
            [[_button(_("Yes, delete everything"), "delete:yes"), _button(_("No"), "delete:no")]]
        ),
    )


async def _delete_answered(update: Update, context: BotContext, confirmed: bool) -> None:
    _ = context.tr.gettext
    if not confirmed:
        await _reply(update, context, _("Nothing was deleted."))
        return
    await profile_actions.erase(context.runtime, context.account.id)
    await _reply(
        update,
        context,
        _("Your data has been deleted. Send /start if you ever want to use the bot again."),
    )


async def _pause(update: Update, context: BotContext) -> None:
    _ = context.tr.gettext
    await profile_actions.pause(context.runtime, context.account.id)
    await _reply(
        update,
        context,
        _(
            "Done: you will not receive scheduled messages or broadcasts. You can still use "
            "the menu at any time, and send /start to turn messages back on."
        ),
        main_menu(context.tr),
    )


async def stop_command(update: Update, context: BotContext) -> None:
    await _pause(update, context)


async def stop_words(update: Update, context: BotContext) -> bool:
    """STOP, 退订 … work whatever the person is doing (router priority)."""
    message = update.effective_message
    text = (message.text or "").strip().strip("!！。. ").casefold() if message else ""
    if text and text in opt_out_words():
        await _pause(update, context)
        return True
    return False


async def cancel(update: Update, context: BotContext) -> None:
    _ = context.tr.gettext
    had = await engine.clear(context)
    text = (
        _("Cancelled. Everything you had already confirmed is kept.")
        if had
        else _("There is nothing to cancel.")
    )
    await _reply(update, context, text, main_menu(context.tr))


# The check-in's "has the baby arrived?" answers through the same path as /me.
pregnancy_ended = _pregnancy_ended


FEATURE = Feature(
    "profile",
    # /stop and /cancel must work whatever else is going on.
    commands=(
        ("stop", stop_command),
        ("cancel", cancel),
        ("me", show_profile),
        ("mydata", my_data),
        ("delete", delete_request),
    ),
    callbacks=((ProfileButton.pattern(), on_callback),),
    menu=((MENU_PROFILE, show_profile),),
    claims=(Claim(stop_words, rank=0, before_dialogs=True),),
)
