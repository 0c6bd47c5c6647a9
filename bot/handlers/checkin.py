"""One-tap answers to scheduled check-ins and follow-up dialogs (buttons `ci:`).

`ci:<item id>:<item token>:<answer>`: the token is the follow-up item's own, so a
press on an answered or cancelled check-in is refused, as the report flow's
per-dialog token refuses stale presses. Answers:

- `ok`, `ok_none`, `ok_home`, `ok_fac`: all well (a mother also says whether she is
  isolating, as the notice asks); stored as a report and triaged like any other;
- `bad`: something is wrong, so the existing report flow starts (after a postpartum
  check, the mother's own postpartum report), and her staff get a follow-up task;
- `p1<n>`, `p2<n><m>`: the PHQ-2 items, kept in the buttons themselves; the answer
  is a report, so a positive screen is handled as /report handles it;
- `born`, `notyet`: has the baby arrived? `born` moves her to the parent role.
"""

from __future__ import annotations

import secrets
from typing import Any

from telegram import InlineKeyboardMarkup, Update

from bot import report_filing
from bot.context import BotContext
from bot.conversation.chat import send_to_chat as send
from bot.dialogs import DialogState
from bot.features import Feature, prefix_pattern
from bot.followup import answers
from bot.followup.messages import PREFIX, CheckinButton, phq2_question
from bot.handlers import profile as profile_handlers
from bot.handlers import report_core as report
from bot.keyboards import main_menu

ISOLATION = {"ok_none": "none", "ok_home": "home", "ok_fac": "facility"}
POSTPARTUM = "postpartum"  # the postpartum check's dialog ref, and the report subject


def answer_task(ref: str, value: str) -> tuple[str, str] | None:
    """(reason, urgency) of the staff task an answer opens, if any (docs/followup.md).

    "Something is wrong" always opens one (she may leave the report half done; a sign she
    reports alerts as usual besides). A priority-group mother who is isolating opens one
    (the notice: know her isolation status, support her). "All well, not isolating" opens
    none: the check-in was the contact.
    """
    urgency = "priority" if ref in ("priority", POSTPARTUM) else "routine"
    if value == "bad":
        return "something_wrong", urgency
    if value in ("ok_home", "ok_fac") and ref == "priority":
        return "isolating", "priority"
    return None


def parse(data: str) -> tuple[int, str, str] | None:
    pressed = CheckinButton.unpack(data)
    return None if pressed is None else (pressed.item_id, pressed.token, pressed.value)


async def _open_task(context: BotContext, item_id: int, ref: str, value: str) -> None:
    found = answer_task(ref, value)
    if found is None:
        return
    await answers.open_task(context.runtime, item_id, context.account.id, *found)


async def _store(update: Update, context: BotContext, data: dict[str, Any], *, own: bool) -> None:
    """Store the answer as report(s) through triage, then answer as /report does."""
    filed = await report_filing.file_checkin_answer(
        context.runtime, context.account.id, data, own=own
    )
    state = DialogState(report.FLOW, "", {})
    text = report.final_answer(context, state, filed.assessment, filed.alerted, filed.staffed)
    await send(update, context, text, main_menu(context.tr))


async def on_callback(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    _ = context.tr.gettext
    parsed = parse(query.data)
    user_id = context.account.id
    now = context.runtime.clock.now()
    if parsed is None:
        await query.answer(_("This question has already been answered."))
        return
    item_id, token, value = parsed
    if value.startswith("p1") and len(value) == 3 and value[2] in "0123":
        if not await answers.still_open(context.runtime, item_id, token, user_id):
            await query.answer(_("This question has already been answered."))
            return
        await query.answer()
        text, markup = phq2_question(context.tr, item_id, token, int(value[2]))
        await query.edit_message_text(
            text, reply_markup=InlineKeyboardMarkup.de_json(markup, context.bot)
        )
        return
    ref = await answers.claim(context.runtime, item_id, token, user_id, now)
    if ref is None:
        await query.answer(_("This question has already been answered."))
        return
    await query.answer()
    if query.message is not None:
        await query.edit_message_reply_markup(None)
    await _open_task(context, item_id, ref, value)
    if value in ISOLATION:
        isolation = {"symptoms": [], "isolation": ISOLATION[value]}
        await _store(update, context, isolation, own=True)
    elif value == "ok":
        await _store(update, context, {"symptoms": []}, own=ref == POSTPARTUM)
    elif value == "bad" and ref == POSTPARTUM:
        state = DialogState(report.FLOW, "", {"t": secrets.token_hex(3)})
        await report.begin(update, context, state, POSTPARTUM)
    elif value == "bad":
        await report.start_report(update, context)
    elif value.startswith("p2") and len(value) == 4 and set(value[2:]) <= set("0123"):
        scores = [int(value[2]), int(value[3])]
        await _store(update, context, {"symptoms": [], "phq2": scores}, own=True)
    elif value == "born":
        await profile_handlers.pregnancy_ended(update, context, "birth")
    elif value == "notyet":
        await send(
            update,
            context,
            _(
                "Thank you. We will ask again in a few days. Regular contractions, waters "
                "breaking or bleeding: go to your delivery hospital now, or call {number}."
            ).format(number=context.runtime.settings.emergency_number),
            main_menu(context.tr),
        )


__all__ = ["PREFIX", "on_callback"]


FEATURE = Feature("checkin", callbacks=((prefix_pattern(PREFIX), on_callback),))
