"""Staff invites: `/invite` for admins, `/start s-<token>` to redeem."""

from __future__ import annotations

import html
from datetime import timedelta

from telegram import Update

from bot.access import is_admin
from bot.communities import community_name
from bot.context import BotContext
from bot.conversation.chat import send_to_chat
from bot.features import Feature
from bot.i18n import format_day
from bot.invites import InviteError, create_invite, invite_link, redeem_invite
from storage.models import AuditEntry


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
    runtime = context.runtime
    _ = context.tr.gettext
    user = update.effective_user
    try:
        async with runtime.db.session() as session:
            redeemed = await redeem_invite(
                session,
                token,
                context.account.id,
                user.full_name if user else None,
                runtime.clock.now(),
            )
            session.add(
                AuditEntry(
                    actor_id=context.account.id, action="invite_redeemed", at=runtime.clock.now()
                )
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
        async with runtime.db.session() as session:
            created = await create_invite(
                session,
                role=args[0].lower(),
                community_codes=[a.strip(",") for a in args[1:]],
                created_by=context.account.id,
                now=runtime.clock.now(),
                ttl=timedelta(hours=runtime.settings.invite_ttl_hours),
            )
            session.add(
                AuditEntry(
                    actor_id=context.account.id,
                    action="invite_created",
                    detail={"role": created.role, "communities": created.communities},
                    at=runtime.clock.now(),
                )
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
