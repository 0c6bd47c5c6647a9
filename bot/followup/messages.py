"""What a person receives for each follow-up item: the text and its one-tap buttons.

Texts about health come from content/ (stage messages, topics, the PHQ-2 items,
each with its sources); the short prompts around them are Babel messages here.
Buttons carry `ci:<item id>:<item token>:<answer>`: the token is the item's
own, so a press on an old message (an answered or cancelled check-in) is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import Settings
from bot.conversation.callback_data import CallbackData
from bot.domain.phq2 import phq2
from bot.education.catalog import ContentCatalog
from bot.i18n import N_, Translator
from bot.outbox import enqueue

PREFIX = "ci"
KIND = {
    "checkin": "followup_checkin",
    "stage": "followup_stage",
    "topic": "followup_topic",
    "dialog": "followup_dialog",
    "nudge": "followup_nudge",
    "reask": "followup_reask",
}
DIGEST_KIND = "followup_digest"

CHECKIN_PREGNANT = N_(
    "🌷 <b>Check-in</b>\nHow are you today, and are you in isolation now? One tap is enough."
)
CHECKIN_PARENT = N_("🌷 <b>Check-in</b>\nHow are you and your child today? One tap is enough.")
REASK = N_("We have not heard from you since yesterday. How are you? One tap is enough.")
NUDGE = N_(
    "Just checking on you: when you can, please tap an answer on the check-in above. "
    "Your community health worker can see how you are."
)
DANGER_PREGNANT = N_(
    "Bleeding, fluid leaking, a severe headache, fits or the baby moving less: do not "
    "wait for this message, go to care now or call {number}."
)
DANGER_CHILD = N_(
    "A child who has trouble breathing, has a fit or is hard to wake: go to care now or "
    "call {number}."
)
ARRIVED = N_("👶 <b>Has your baby arrived?</b> Your due date was two weeks ago.")
POSTPARTUM = N_(
    "🌷 <b>After the birth</b>\nHow are you? Any heavy bleeding, fever, low mood, or "
    "trouble feeding the baby? One tap is enough."
)
DANGER_POSTPARTUM = N_(
    "Heavy bleeding, a fever, a severe headache, or thoughts of harming yourself or the "
    "baby: go to care now or call {number}."
)


@dataclass(frozen=True)
class CheckinButton(CallbackData, prefix=PREFIX):
    """`ci:<item id>:<token>:<value>`: the answer to one sent follow-up item. The token is
    the item's own, so only the message it was sent with can answer it; the codec refuses
    garbled ids ('²', 26 digits) instead of letting them reach int() or the database."""

    item_id: int
    token: str
    value: str


def callback(item_id: int, token: str, value: str) -> str:
    return CheckinButton(item_id, token, value).pack()


def _button(label: str, item_id: int, token: str, value: str) -> dict[str, str]:
    return {"text": label, "callback_data": callback(item_id, token, value)}


def checkin_keyboard(tr: Translator, item_id: int, token: str, pregnant: bool) -> dict[str, Any]:
    """One tap answers. A mother's answer also says whether she is isolating (the notice)."""
    _ = tr.gettext
    if pregnant:
        rows = [
            [_button(_("✅ All well, not isolating"), item_id, token, "ok_none")],
            [_button(_("✅ All well, isolating at home"), item_id, token, "ok_home")],
            [_button(_("✅ All well, in a hospital or isolation site"), item_id, token, "ok_fac")],
        ]
    else:
        rows = [[_button(_("✅ All well"), item_id, token, "ok")]]
    rows.append([_button(_("⚠️ Something is wrong"), item_id, token, "bad")])
    return {"inline_keyboard": rows}


def phq2_question(tr: Translator, item_id: int, token: str, first: int | None) -> tuple[str, Any]:
    """PHQ-2 item 1 (first is None) or item 2, in the published wording (content/triage)."""
    content = phq2()
    locale = "en" if tr.locale == "en" else "zh_Hans"
    index = 0 if first is None else 1
    question = content["questions"][index][locale]
    text = f"{content['intro'][locale]}\n\n<b>{index + 1}/2</b> {question}"
    prefix = "p1" if first is None else f"p2{first}"
    rows = [
        [_button(a[locale], item_id, token, f"{prefix}{a['score']}")] for a in content["answers"]
    ]
    return text, {"inline_keyboard": rows}


def render(
    action: str,
    ref: str,
    *,
    item_id: int,
    token: str,
    pregnant: bool,
    tr: Translator,
    settings: Settings,
    catalog: ContentCatalog,
) -> tuple[str, dict[str, Any] | None]:
    """(text, reply_markup) for an item's first message, or for its nudge and re-ask."""
    _ = tr.gettext
    number = settings.emergency_number
    if action in ("checkin", "reask"):
        first = CHECKIN_PREGNANT if pregnant else CHECKIN_PARENT
        head = _(REASK) if action == "reask" else _(first)
        danger = _(DANGER_PREGNANT if pregnant else DANGER_CHILD).format(number=number)
        return f"{head}\n\n{danger}", checkin_keyboard(tr, item_id, token, pregnant)
    if action == "nudge":
        return _(NUDGE), None
    if action == "stage":
        return catalog.stage_message(ref).render(tr.locale, emergency_number=number), None
    if action == "topic":
        return catalog.topic(ref).render(tr.locale, emergency_number=number), None
    if ref == "phq2":
        return phq2_question(tr, item_id, token, None)
    if ref == "arrived":
        rows = [
            [_button(_("Yes, my baby is here"), item_id, token, "born")],
            [_button(_("Not yet"), item_id, token, "notyet")],
        ]
        return _(ARRIVED), {"inline_keyboard": rows}
    danger = _(DANGER_POSTPARTUM).format(number=number)
    # A mother after the birth also says whether she is isolating (the notice asks it).
    return f"{_(POSTPARTUM)}\n\n{danger}", checkin_keyboard(tr, item_id, token, True)


async def queue(
    session: AsyncSession,
    action: str,
    ref: str,
    *,
    item_id: int,
    token: str,
    step: int,
    chat_id: int,
    pregnant: bool,
    tr: Translator,
    settings: Settings,
    catalog: ContentCatalog,
    now: datetime,
) -> None:
    """Queue an item's message (step 0) or a ladder step's; the key holds row ids only."""
    text, markup = render(
        action,
        ref,
        item_id=item_id,
        token=token,
        pregnant=pregnant,
        tr=tr,
        settings=settings,
        catalog=catalog,
    )
    await enqueue(
        session,
        chat_id=chat_id,
        text=text,
        dedupe_key=f"fu:{item_id}:{step}",
        kind=KIND[action],
        now=now,
        reply_markup=markup,
    )
