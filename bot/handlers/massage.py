"""Questions about massage, tuina, spine-pinching or gua sha.

The seed notice exists because feverish children were taken to massage venues. A
question that names massage together with a fever or a child gets a plain answer (these
do not treat a fever; venues must not take feverish children) and the way to the nearest
fever clinic. Massage alone, such as a pregnant woman's back pain, gets a gentle answer
that sends her to her own doctor or midwife, without the fever warning: nagging people
who asked something else teaches them to stop asking.
"""

from __future__ import annotations

from telegram import Update

from bot.context import BotContext
from bot.conversation.chat import send_to_chat
from bot.domain.intents import MassageIntent, classify_massage, read_signals
from bot.features import Claim, Feature
from bot.handlers import clinic
from bot.handlers.clinic_text import health_text


async def massage_text(update: Update, context: BotContext) -> bool:
    """Router FREE_TEXT, before the fever words: True when the message was about massage."""
    message = update.effective_message
    if message is None or not message.text:
        return False
    intent = classify_massage(message.text)
    if intent is MassageIntent.NONE:
        return False
    if intent is MassageIntent.MASSAGE_WITH_FEVER_OR_CHILD:
        await clinic.ask_where(update, context, intro=health_text(context, "massage_fever"))
        return True
    pregnant = read_signals(message.text).pregnancy
    code = "massage_other_pregnancy" if pregnant else "massage_other"
    if intent is MassageIntent.MASSAGE_CHILD_NO_FEVER:
        code = intent.value
    await send_to_chat(update, context, health_text(context, code))
    return True


# Before the fever words (clinic, rank 210): massage + fever is the massage answer.
FEATURE = Feature("massage", claims=(Claim(massage_text, rank=200),))
