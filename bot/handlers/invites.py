"""Staff invites: `/invite` for admins, `/start s-<token>` to redeem."""

from __future__ import annotations

import html

from telegram import Update

from bot import invites
from bot.access import is_admin
from bot.communities import community_name
from bot.context import BotContext
from bot.conversation.chat import send_to_chat
from bot.features import Feature
from bot.i18n import format_day
from bot.invites import InviteError, invite_link


def _error_text(context: BotContext, error: InviteError) -> str:
    _ = context.tr.gettext
    messages = {
        "unknown": _("This invite link is not valid. Ask your administrator for a new one."),
        "used": _("This invite link has already been used. Ask your administrator for a new one."),
        "expired": _("This invite link has expired. Ask your administrator for a new one."),
        "bad_role": _("The role must be staff or supervisor."),
        "no_communities": _("Name at least one community code."),
        "unknown_communities": _("Unknown community codes: {codes}"),
    }
    return messages[error.code].format(codes=html.escape(error.detail))


async def redeem(update: Update, context: BotContext, token: str) -> None:
    message = update.effective_message
    assert message is not None
    _ = context.tr.gettext
    user = update.effective_user
    try:
        redeemed = await invites.redeem(
            context.runtime, token, context.account.id, user.full_name if user else None
        )
    except InviteError as error:
        await send_to_chat(update, context, _error_text(context, error))
        return
    names = ", ".join(
        html.escape(community_name(c, context.tr.locale)) for c in redeemed.communities
    )
    role = _("supervisor") if redeemed.role == "supervisor" else _("community health worker")
    await send_to_chat(
        update,
        context,
        _(
            "Welcome! You are now {role} for: {communities}. You will receive alerts about "
            "people in these communities. /ledger lists them."
        ).format(role=role, communities=names),
    )


async def invite(update: Update, context: BotContext) -> None:
    """`/invite staff|supervisor CODE [CODE ...]` (admins only)."""
    message = update.effective_message
    assert message is not None
    runtime = context.runtime
    _ = context.tr.gettext
    if not is_admin(runtime.settings, context.account.id):
        await send_to_chat(update, context, _("Only administrators can create staff invites."))
        return
    args = context.args or []
    if len(args) < 2:
        await send_to_chat(
            update,
            context,
            _(
                "Usage: /invite staff|supervisor COMMUNITY_CODE [MORE_CODES]\nExample: {example}"
            ).format(example="/invite staff DC01 DC02"),
        )
        return
    try:
        created = await invites.invite_staff(
            runtime, args[0].lower(), [a.strip(",") for a in args[1:]], context.account.id
        )
    except InviteError as error:
        await send_to_chat(update, context, _error_text(context, error))
        return
    expires = created.expires_at.astimezone(runtime.settings.zone)
    await send_to_chat(
        update,
        context,
        _(
            "Invite for one {role}, communities {codes}. Send this link to the person; it "
            "works once and expires {expires}:\n{link}"
        ).format(
            role=html.escape(created.role),
            codes=html.escape(", ".join(created.communities)),
            expires=format_day(expires.date(), context.tr.locale) + expires.strftime(" %H:%M"),
            link=html.escape(invite_link(context.bot.username, created.token)),
        ),
    )


FEATURE = Feature("invites", commands=(("invite", invite),))
