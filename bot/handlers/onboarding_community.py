"""Onboarding, community section: district then community, or a shared location;
then an optional phone number for staff callbacks."""

from __future__ import annotations

import html

from telegram import KeyboardButton, ReplyKeyboardMarkup, ReplyKeyboardRemove, Update

from bot import communities
from bot.communities import Community, community_name, district_name, nearest_community
from bot.context import BotContext
from bot.conversation.engine import new_dialog
from bot.dialogs import DialogState
from bot.domain.onboarding import Section
from bot.handlers.steps import (
    FLOW,
    Step,
    advance,
    button,
    go,
    keyboard,
    reask,
    send,
    update_own_profile,
)

DISTRICT, COMMUNITY, CONFIRM, PHONE = "district", "community", "confirm_community", "phone"
PAGE_SIZE = 8


def _location_keyboard(context: BotContext) -> ReplyKeyboardMarkup:
    _ = context.tr.gettext
    return ReplyKeyboardMarkup(
        [[KeyboardButton(_("📍 Share my location"), request_location=True)]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


def _paged(items: list, page: int) -> tuple[list, bool, bool]:  # type: ignore[type-arg]
    start = page * PAGE_SIZE
    return items[start : start + PAGE_SIZE], page > 0, start + PAGE_SIZE < len(items)


async def _community(context: BotContext, code: str | None) -> Community | None:
    return await communities.find(context.runtime, code)


async def ask_district(update: Update, context: BotContext, state: DialogState) -> None:
    _ = context.tr.gettext
    preselected = await _community(context, state.data.get("community"))
    if preselected is not None and "declined_preselected" not in state.data:
        state.data["pending_community"] = preselected.code
        await go(update, context, state, CONFIRM)
        return
    districts = await communities.districts(context.runtime)
    if not districts:
        # No list loaded yet: nothing to choose from, so do not block onboarding.
        await advance(update, context, state, Section.COMMUNITY)
        return
    page = int(state.data.get("page", 0))
    shown, back, more = _paged(districts, page)
    rows = [
        [button(district_name(d, context.tr.locale), state, DISTRICT, str(page * PAGE_SIZE + i))]
        for i, d in enumerate(shown)
    ]
    rows.append(
        ([button("◀", state, DISTRICT, f"p{page - 1}")] if back else [])
        + ([button("▶", state, DISTRICT, f"p{page + 1}")] if more else [])
    )
    await send(
        update,
        context,
        _("Which community do you live in? You can share your location to find it."),
        _location_keyboard(context),
    )
    await send(update, context, _("Or choose your district:"), keyboard(*rows))


async def district_pressed(
    update: Update, context: BotContext, state: DialogState, value: str
) -> None:
    if value.startswith("p"):
        state.data["page"] = max(0, int(value[1:]))
        await go(update, context, state, DISTRICT)
        return
    state.data["district"] = int(value)
    state.data["page"] = 0
    await go(update, context, state, COMMUNITY)


async def ask_community(update: Update, context: BotContext, state: DialogState) -> None:
    _ = context.tr.gettext
    found = await communities.in_district(context.runtime, int(state.data.get("district", 0)))
    if found is None:
        await go(update, context, state, DISTRICT)
        return
    page = int(state.data.get("page", 0))
    shown, back, more = _paged(found, page)
    rows = [[button(community_name(c, context.tr.locale), state, COMMUNITY, c.code)] for c in shown]
    rows.append(
        ([button("◀", state, COMMUNITY, f"p{page - 1}")] if back else [])
        + ([button("▶", state, COMMUNITY, f"p{page + 1}")] if more else [])
    )
    rows.append([button(_("⬅ Other district"), state, COMMUNITY, "back")])
    await send(update, context, _("Choose your community:"), keyboard(*rows))


async def community_pressed(
    update: Update, context: BotContext, state: DialogState, value: str
) -> None:
    if value == "back":
        state.data["page"] = 0
        await go(update, context, state, DISTRICT)
        return
    if value.startswith("p"):
        state.data["page"] = max(0, int(value[1:]))
        await go(update, context, state, COMMUNITY)
        return
    await _choose(update, context, state, value)


async def location_shared(update: Update, context: BotContext, state: DialogState) -> None:
    message = update.effective_message
    assert message is not None
    _ = context.tr.gettext
    if message.location is None:
        await reask(
            update,
            context,
            state,
            _("Please choose from the list, or share your location with the button."),
        )
        return
    located = await communities.all_communities(context.runtime)
    found = nearest_community(located, message.location.latitude, message.location.longitude)
    if found is None:
        await reask(update, context, state, _("I could not place that location; please choose."))
        return
    state.data["pending_community"] = found[0].code
    state.data["distance_m"] = round(found[1])
    await go(update, context, state, CONFIRM)


async def ask_confirm(update: Update, context: BotContext, state: DialogState) -> None:
    _ = context.tr.gettext
    community = await _community(context, state.data.get("pending_community"))
    if community is None:
        state.data.pop("pending_community", None)
        await go(update, context, state, DISTRICT)
        return
    name = html.escape(community_name(community, context.tr.locale))
    await send(
        update,
        context,
        _("Is your community <b>{name}</b>?").format(name=name),
        keyboard(
            [
                button(_("✅ Yes"), state, CONFIRM, "yes"),
                button(_("Choose another"), state, CONFIRM, "no"),
            ]
        ),
    )


async def confirm_pressed(
    update: Update, context: BotContext, state: DialogState, value: str
) -> None:
    code = state.data.pop("pending_community", None)
    if value != "yes" or code is None:
        state.data["declined_preselected"] = True
        await go(update, context, state, DISTRICT)
        return
    await _choose(update, context, state, code)


async def _choose(update: Update, context: BotContext, state: DialogState, code: str) -> None:
    _ = context.tr.gettext
    community = await _community(context, code)
    if community is None:
        await go(update, context, state, DISTRICT)
        return
    await update_own_profile(context, {"community_code": code})
    name = html.escape(community_name(community, context.tr.locale))
    await send(
        update,
        context,
        _("Your community is now {name}.").format(name=name),
        ReplyKeyboardRemove(),
    )
    await advance(update, context, state, Section.COMMUNITY)


async def offer_switch(update: Update, context: BotContext, code: str) -> None:
    """A community QR link scanned by someone already registered elsewhere."""
    state = new_dialog(FLOW, {"editing": True, "pending_community": code})
    await go(update, context, state, CONFIRM)


async def ask_phone(update: Update, context: BotContext, state: DialogState) -> None:
    _ = context.tr.gettext
    markup = ReplyKeyboardMarkup(
        [[KeyboardButton(_("📱 Share my phone number"), request_contact=True)], [_("Skip")]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )
    await send(
        update,
        context,
        _(
            "Optional: share your phone number so your community health worker can call "
            "you back. Only they can see it."
        ),
        markup,
    )


async def phone_shared(update: Update, context: BotContext, state: DialogState) -> None:
    message = update.effective_message
    assert message is not None
    _ = context.tr.gettext
    if message.contact is None:
        if (message.text or "").strip() in context.runtime.catalogs.every_translation("Skip"):
            await advance(update, context, state, Section.PHONE)
            return
        await reask(
            update, context, state, _("Please use the button to share your number, or Skip.")
        )
        return
    if message.contact.user_id not in (None, context.account.id):
        await reask(update, context, state, _("Please share your own number with the button."))
        return
    await update_own_profile(context, {"phone": message.contact.phone_number[:32]})
    await advance(update, context, state, Section.PHONE)


# This section's steps, in the order they are asked; onboarding.py assembles the flow.
STEPS = (
    Step(DISTRICT, ask_district, on_text=location_shared, on_button=district_pressed),
    Step(COMMUNITY, ask_community, on_text=location_shared, on_button=community_pressed),
    Step(CONFIRM, ask_confirm, on_text=location_shared, on_button=confirm_pressed),
    Step(PHONE, ask_phone, on_text=phone_shared),
)
ENTRIES = {Section.COMMUNITY: DISTRICT, Section.PHONE: PHONE}
