"""/report and the 📝 menu button: the report dialog's own logic, on the conversation engine.

The pregnancy and child questions are in report_pregnancy.py and report_child.py, the
kinds of question they share in report_steps.py, and report.py assembles them into one
`Flow`. This module holds what happens between and after the questions: who the report
is about, the emergency check after every answer, and the final answer.

Safety first, in this order, after every answer: if what is known so far is
already an emergency, the report is stored and alerted right then and she is told
to get care now, before any further question; she may then continue (the same
report row is completed at the end) or ask for the nearest hospital. The final
answer comes only after the report is committed. Texts about health come from
content/triage (rules.toml, phq2.toml), never from here; the bot names signs and
next steps, never a diagnosis.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from telegram import Update

from bot import profile_actions, report_filing, reports
from bot.context import BotContext
from bot.conversation import engine
from bot.conversation.engine import (
    Flow,
    button,
    flow_named,
    go,
    keyboard,
    new_dialog,
    proceed,
    send,
)
from bot.dialogs import DialogState
from bot.domain.postpartum import in_postpartum_period
from bot.domain.triage import Assessment, Level
from bot.domain.validation_text import load_validation_texts
from bot.handlers.clinic import offer_clinic_directions
from bot.handlers.report_answer import headline, notified_line, reason_lines
from bot.i18n import format_day
from bot.keyboards import main_menu

FLOW = "report"
WHO, URGENT = "who", "urgent"
POSTPARTUM = "postpartum"  # the report subject of the mother herself after the birth
MEASUREMENT_ERRORS = (
    Path(__file__).resolve().parents[2] / "content" / "triage" / "measurement_errors.toml"
)

@functools.cache
def measurement_texts() -> dict[str, dict[str, str]]:
    return load_validation_texts(MEASUREMENT_ERRORS)


# ----- starting -------------------------------------------------------------------------


async def start_report(update: Update, context: BotContext) -> None:
    """/report and the menu button: who is the report about?"""
    _ = context.tr.gettext
    runtime = context.runtime
    profile, children = await profile_actions.profile_and_children(
        context.runtime, context.account.id
    )
    if profile is None or profile.consent != "given":
        await send(
            update,
            context,
            _(
                "To send a report I need your consent to keep your health information, so "
                "your community health worker can follow up. Send /start to set up your "
                "profile. In an emergency call {number} at once."
            ).format(number=runtime.settings.emergency_number),
        )
        return
    if not profile.pregnant and not children:
        await send(
            update,
            context,
            _(
                "Your profile does not say that you are pregnant or have a child aged 0–6. "
                "Add this with /me, then send /report again."
            ),
        )
        return
    state = new_dialog(FLOW)
    after_birth = _after_birth(context, profile, children)
    if profile.pregnant and not children:
        await begin(update, context, state, "pregnancy")
    elif not profile.pregnant and len(children) == 1 and not after_birth:
        await begin(update, context, state, "child", children[0].id)
    else:
        # Several people it could be about; a mother after the birth is one of them.
        await go(update, context, state, WHO)


def _after_birth(context: BotContext, profile: Any, children: list[Any]) -> bool:
    return in_postpartum_period(
        outcome=profile.pregnancy_outcome,
        pregnant=profile.pregnant,
        births=(child.birth_date for child in children),
        today=context.runtime.today(),
    )


async def begin(
    update: Update,
    context: BotContext,
    state: DialogState,
    subject: str,
    child_id: int | None = None,
) -> None:
    state.data |= {"subject": subject, "symptoms": []}
    if child_id is not None:
        state.data["child_id"] = child_id
    await go(update, context, state, _flow(context).sequences[subject][0])


async def ask_who(update: Update, context: BotContext, state: DialogState) -> None:
    _ = context.tr.gettext
    profile, children = await profile_actions.profile_and_children(
        context.runtime, context.account.id
    )
    rows = []
    if profile is not None and profile.pregnant:
        rows.append([button(_("🤰 Me (my pregnancy)"), state, WHO, "p")])
    elif profile is not None and _after_birth(context, profile, children):
        rows.append([button(_("🤱 Me (after the birth)"), state, WHO, "m")])
    for child in children:
        label = child.nickname or format_day(child.birth_date, context.tr.locale)
        rows.append([button("👶 " + label, state, WHO, str(child.id))])
    await send(update, context, _("Who is this report about?"), keyboard(*rows))


async def who_pressed(update: Update, context: BotContext, state: DialogState, value: str) -> None:
    if value == "p":
        await begin(update, context, state, "pregnancy")
        return
    profile, children = await profile_actions.profile_and_children(
        context.runtime, context.account.id
    )
    if value == "m":
        if profile is not None and _after_birth(context, profile, children):
            await begin(update, context, state, POSTPARTUM)
        return
    if value.isdigit() and int(value) in {c.id for c in children}:
        await begin(update, context, state, "child", int(value))




# ----- the flow ------------------------------------------------------------------------


def answers(state: DialogState) -> dict[str, Any]:
    return {k: v for k, v in state.data.items() if k in reports.DATA_KEYS}


async def advance(update: Update, context: BotContext, state: DialogState) -> None:
    """The current step is answered: warn now if it is an emergency, else ask the next."""
    if await _emergency_now(update, context, state):
        return
    await _proceed(update, context, state, after=state.step)


async def _proceed(update: Update, context: BotContext, state: DialogState, after: str) -> None:
    order = _flow(context).sequences[state.data["subject"]]
    if not await proceed(update, context, state, order, after):
        await finish(update, context, state)


def _flow(context: BotContext) -> Flow:
    flow = flow_named(context, FLOW)
    assert flow is not None, "the report flow is installed by bot/app.py"
    return flow


async def _emergency_now(update: Update, context: BotContext, state: DialogState) -> bool:
    """Store, alert and warn as soon as the answers so far show an emergency (once)."""
    if state.data.get("report_id"):
        return False
    runtime = context.runtime
    subject, child_id = state.data["subject"], state.data.get("child_id")
    draft = await report_filing.assess_draft(
        runtime, context.account.id, subject, answers(state), child_id
    )
    if draft.level != Level.EMERGENCY:
        return False
    state.data |= {"after": state.step, "told": list(draft.reasons), "stored": False}
    state.step = URGENT
    try:
        data = answers(state) | {"complete": False}
        await report_filing.file_early(runtime, context.account.id, state, subject, data, child_id)
    finally:
        # Even if storing failed, she hears what to do; the error handler logs the rest.
        await ask_urgent(update, context, state)
    return True


async def ask_urgent(update: Update, context: BotContext, state: DialogState) -> None:
    _ = context.tr.gettext
    lines = [headline(context, Level.EMERGENCY), *reason_lines(context, state.data["told"])]
    if state.data.get("stored"):
        lines.append(notified_line(context, str(state.data.get("staffed"))))
    lines.append(
        _(
            "If you can, answer a few more questions for your community health worker; or "
            "let me show you the nearest hospital."
        )
    )
    await send(
        update,
        context,
        "\n\n".join(lines),
        keyboard(
            [button(_("🏥 Nearest hospital"), state, URGENT, "map")],
            [button(_("Continue the report"), state, URGENT, "go")],
        ),
    )


async def urgent_pressed(
    update: Update, context: BotContext, state: DialogState, value: str
) -> None:
    if value == "go":
        await _proceed(update, context, state, after=state.data["after"])
    elif value == "map":
        await engine.clear(context)
        await _directions(update, context, state, Level.EMERGENCY, fever_clinic=False)




async def finish(update: Update, context: BotContext, state: DialogState) -> None:
    """Commit the report (and its alert), then answer: the answer never comes first."""
    filed = await report_filing.file_final(
        context.runtime,
        context.account.id,
        state.data["subject"],
        answers(state) | {"complete": True},
        state.data.get("child_id"),
        state.data.get("report_id"),
    )
    assessment = filed.assessment
    await send(
        update,
        context,
        final_answer(context, state, assessment, filed.alerted, filed.staffed),
        main_menu(context.tr),
    )
    await _directions(update, context, state, assessment.level, assessment.fever_clinic)


def final_answer(
    context: BotContext, state: DialogState, assessment: Assessment, alerted: bool, staffed: str
) -> str:
    _ = context.tr.gettext
    told = set(state.data.get("told") or ())
    new = [r for r in assessment.reasons if r not in told]
    reasons = reason_lines(context, new)
    # "No danger signs" must never sit next to advice to go somewhere: one answer per level.
    lines = (
        []
        if assessment.level == Level.ROUTINE and reasons
        else [headline(context, assessment.level)]
    )
    lines += reasons
    if told and assessment.level == Level.EMERGENCY:
        lines.append(_("Thank you, your report is complete. Please do not wait: get care now."))
    elif alerted:
        lines.append(notified_line(context, staffed))
    elif staffed == "staff":
        lines.append(_("Thank you, your report is saved. Your community health worker can see it."))
    else:
        lines.append(_("Thank you, your report is saved."))
    return "\n\n".join(lines)


async def _directions(
    update: Update, context: BotContext, state: DialogState, level: Level, fever_clinic: bool
) -> None:
    """End with the way to care: emergency midwifery units for her, fever clinics else."""
    pregnant = state.data["subject"] == "pregnancy"
    if not (fever_clinic or level == Level.EMERGENCY):
        return
    await offer_clinic_directions(
        update, context, pregnant_emergency=pregnant and level == Level.EMERGENCY
    )
