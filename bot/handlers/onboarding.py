"""/start: language, consent, role; deep links for communities and staff invites.

The later sections (pregnancy, children, community, phone) live in their own
modules; each exports its steps, and `FLOW` below is the whole onboarding dialog.
"""

from __future__ import annotations

from telegram import Update

from bot import accounts, profile_actions
from bot.config import SUPPORTED_LOCALES
from bot.context import BotContext
from bot.conversation.engine import Flow, new_dialog
from bot.dialogs import DialogState
from bot.domain.onboarding import Section, resume_section
from bot.features import Feature
from bot.handlers import (
    invites,
    onboarding_children,
    onboarding_community,
    onboarding_pregnancy,
)
from bot.handlers.steps import (
    FLOW,
    Step,
    advance,
    button,
    go,
    keyboard,
    send,
    update_own_profile,
)
from bot.i18n import LANGUAGE_NAMES
from bot.keyboards import main_menu

LANGUAGE, CONSENT, ROLE = "language", "consent", "role"


async def start(update: Update, context: BotContext) -> None:
    """`/start [c-<community>|s-<invite>]`: begin, resume, or redeem a link."""
    payload = context.args[0] if context.args else ""
    if payload.startswith("s-"):
        await invites.redeem(update, context, payload[2:])
        return
    community = payload[2:] if payload.startswith("c-") else None
    found = await profile_actions.return_to_start(context.runtime, context.account.id)
    profile, current = found.profile, found.dialog
    _ = context.tr.gettext
    welcome = _("Welcome back! Messages from me are on again.") if found.was_paused else ""
    if profile is not None and profile.consent == "given" and profile.onboarded_at is not None:
        if community and community != profile.community_code:
            if welcome:
                await send(update, context, welcome)
            await onboarding_community.offer_switch(update, context, community)
            return
        text = (
            welcome + " " + _("Use the menu below.")
            if welcome
            else _("Hello again! Use the menu below.")
        )
        await send(update, context, text, main_menu(context.tr))
        return
    state, step = _resume_point(profile, found.has_children, current, context.account.locale)
    if community:
        state.data["community"] = community
    if step != LANGUAGE and (profile is not None or current is not None):
        await send(
            update,
            context,
            (welcome + "\n" if welcome else "") + _("Let us continue where we stopped."),
        )
    await go(update, context, state, step)


def _resume_point(
    profile: profile_actions.Profile | None,
    has_children: bool,
    current: DialogState | None,
    locale: str | None,
) -> tuple[DialogState, str]:
    """Where an unfinished onboarding continues: the open question, else the first
    section not yet saved; the language and consent screens only until answered."""
    if current is not None and current.flow == FLOW and not current.data.get("editing"):
        if ONBOARDING.step(current.step) is not None and "expired" not in current.data:
            return current, current.step
    fresh = new_dialog(FLOW)
    if profile is None or profile.consent != "given":
        return fresh, CONSENT if locale is not None else LANGUAGE
    section = resume_section(
        pregnant=profile.pregnant,
        parent=profile.parent,
        has_due_date=profile.due_date is not None,
        has_children=has_children,
        has_community=profile.community_code is not None,
    )
    return fresh, ONBOARDING.entries[section]


async def ask_language(update: Update, context: BotContext, state: DialogState) -> None:
    _ = context.tr.gettext
    current = context.tr.locale
    buttons = [
        button(("✓ " if loc == current else "") + LANGUAGE_NAMES[loc], state, LANGUAGE, loc)
        for loc in SUPPORTED_LOCALES
    ]
    await send(
        update,
        context,
        _(
            "Hello! I am the maternal and child health assistant. I help pregnant women "
            "and parents of young children stay safe during respiratory epidemics."
        )
        + "\n\n"
        + _("Choose your language:"),
        keyboard(buttons),
    )


async def language_pressed(
    update: Update, context: BotContext, state: DialogState, value: str
) -> None:
    runtime = context.runtime
    if value in SUPPORTED_LOCALES:
        await accounts.save_language(runtime, context.account.id, value)
        context.tr = runtime.catalogs.get(value)
    await go(update, context, state, CONSENT)


async def ask_consent(update: Update, context: BotContext, state: DialogState) -> None:
    _ = context.tr.gettext
    text = "\n\n".join(
        [
            _("<b>Before we start: your consent</b>"),
            _(
                "<b>What I collect:</b> your name as Telegram gives it (your first name, and "
                "your last name if you set one), whether you are pregnant or have children "
                "under 7, your due date or your children's birth dates, your community, your "
                "phone number if you share it, and the health reports you send."
            ),
            _(
                "<b>Why:</b> so the bot can give advice for your stage and your community "
                "health worker can follow up with you, and act quickly if something is "
                "dangerous."
            ),
            _(
                "<b>Who sees it:</b> only the community health workers assigned to your "
                "community (and their supervisor when an alert needs escalating)."
            ),
            _(
                "<b>Your control:</b> /mydata sends you everything stored about you; /delete "
                "erases it; /stop pauses messages."
            ),
            _(
                "If you decline, you can still use the health guide and the fever-clinic "
                "finder; nothing about you is stored except your language and this answer."
            ),
        ]
    )
    await send(
        update,
        context,
        text,
        keyboard(
            [button(_("✅ I agree"), state, CONSENT, "yes")],
            [button(_("No, thanks"), state, CONSENT, "no")],
        ),
    )


def _display_name(update: Update) -> str | None:
    user = update.effective_user
    return user.full_name if user else None


async def consent_pressed(
    update: Update, context: BotContext, state: DialogState, value: str
) -> None:
    _ = context.tr.gettext
    given = value == "yes"
    await profile_actions.record_consent(
        context.runtime, context.account.id, given, _display_name(update)
    )
    if not given:
        await send(
            update,
            context,
            _(
                "That is fine: nothing about your health will be stored. You can still read "
                "the health guide and find fever clinics from the menu. Send /start if you "
                "change your mind."
            ),
            main_menu(context.tr),
        )
        return
    await go(update, context, state, ROLE)


async def ask_role(update: Update, context: BotContext, state: DialogState) -> None:
    _ = context.tr.gettext
    await send(
        update,
        context,
        _("Which describes you?"),
        keyboard(
            [button(_("🤰 I am pregnant"), state, ROLE, "pregnant")],
            [button(_("👶 I have a child aged 0–6"), state, ROLE, "parent")],
            [button(_("Both"), state, ROLE, "both")],
        ),
    )


async def role_pressed(update: Update, context: BotContext, state: DialogState, value: str) -> None:
    if value not in ("pregnant", "parent", "both"):
        return
    await update_own_profile(
        context, {"pregnant": value in ("pregnant", "both"), "parent": value in ("parent", "both")}
    )
    await advance(update, context, state, Section.ROLE)


async def restart(update: Update, context: BotContext, state: DialogState) -> None:
    """After an expired onboarding: the first section not yet saved (saved answers kept)."""
    profile, has_children = await profile_actions.restart_onboarding(
        context.runtime, context.account.id
    )
    fresh, step = _resume_point(profile, has_children, None, context.account.locale)
    if "community" in state.data:
        fresh.data["community"] = state.data["community"]
    await go(update, context, fresh, step)


# The whole onboarding dialog; /me's corrections enter it at a section ("editing").
ONBOARDING = Flow(
    FLOW,
    steps=(
        Step(LANGUAGE, ask_language, on_button=language_pressed),
        Step(CONSENT, ask_consent, on_button=consent_pressed),
        Step(ROLE, ask_role, on_button=role_pressed),
        *onboarding_pregnancy.STEPS,
        *onboarding_children.STEPS,
        *onboarding_community.STEPS,
    ),
    entries={
        Section.ROLE: ROLE,
        **onboarding_pregnancy.ENTRIES,
        **onboarding_children.ENTRIES,
        **onboarding_community.ENTRIES,
    },
    restart=restart,
)


FEATURE = Feature("onboarding", commands=(("start", start),), flows=(ONBOARDING,))
