"""/report and the 📝 menu button, as one flow: who it is about, then her pregnancy's
questions or a child's, each followed by the emergency check (see report_core.py)."""

from __future__ import annotations

from telegram import Update

from bot.context import BotContext
from bot.conversation.engine import Flow, Step
from bot.dialogs import DialogState
from bot.features import Feature
from bot.handlers import report_child, report_core, report_pregnancy
from bot.handlers.report_core import (
    FLOW,
    URGENT,
    WHO,
    ask_urgent,
    ask_who,
    begin,
    start_report,
    urgent_pressed,
    who_pressed,
)
from bot.keyboards import MENU_REPORT

__all__ = ["REPORT", "start_report"]


async def restart(update: Update, context: BotContext, state: DialogState) -> None:
    """After an expired report: the same person's questions from the start. An emergency
    part already stored stays stored, and this report completes the same row."""
    subject = state.data.get("subject")
    if subject not in REPORT.sequences:
        await report_core.start_report(update, context)
        return
    child_id = state.data.get("child_id")
    kept = ("t", "report_id", "told", "stored", "staffed")
    state.data = {k: state.data[k] for k in kept if k in state.data}
    await begin(update, context, state, subject, child_id)


REPORT = Flow(
    FLOW,
    steps=(
        Step(WHO, ask_who, on_button=who_pressed),
        Step(URGENT, ask_urgent, on_button=urgent_pressed),
        *report_pregnancy.STEPS,
        *report_pregnancy.POSTPARTUM_STEPS,
        *report_child.STEPS,
    ),
    sequences={
        report_pregnancy.SUBJECT: tuple(s.name for s in report_pregnancy.STEPS),
        report_pregnancy.POSTPARTUM: report_pregnancy.POSTPARTUM_SEQUENCE,
        report_child.SUBJECT: tuple(s.name for s in report_child.STEPS),
    },
    restart=restart,
    takes_locations=False,  # a shared location mid-report is for the clinic finder
)


FEATURE = Feature(
    "report",
    commands=(("report", start_report),),
    flows=(REPORT,),
    menu=((MENU_REPORT, start_report),),
)
