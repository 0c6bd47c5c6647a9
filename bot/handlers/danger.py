"""Danger signs typed as free text: triaged, answered, stored and alerted like a report.

Its free-text claim (rank 20, before dialogs) comes right after the STOP words, so it
runs before any dialog step, menu or topic search: a word for spotting typed in the
middle of onboarding or a report is answered at once, and the dialog is left as it was.

The message goes through the same path as the checklist: the recogniser finds the
checklist's symptoms and any age, temperature or week in the text; the profile adds the
due date, risk colour and children; triage decides. From "see a doctor today" up, the
message is stored as a report and alerts staff like a ticked checklist (for a person who
has consented, about herself or a registered child), and the answer ends with the way to
care, as the checklist's does. Anything milder is left to the fever, massage and guide
answers.

A checklist tick on a form that is no longer open (`danger_pressed`) takes the same path,
from "emergency" up: it is what she says is happening, even if the form is gone.
"""

from __future__ import annotations

import html

from telegram import Update

from bot import profile_actions, report_filing, reports
from bot.context import BotContext
from bot.conversation.chat import send_to_chat as send
from bot.domain.danger_words import Findings, default_danger_words, recognise
from bot.domain.postpartum import in_postpartum_period
from bot.domain.triage import Level
from bot.domain.triage_text import CHILD, PREGNANCY, Person, TextTriage, triage_text
from bot.features import Claim, Feature
from bot.handlers.clinic import offer_clinic_directions
from bot.handlers.report_answer import headline, notified_line, reason_lines

# What of the message itself is kept with the report, for the staff who read it.
TYPED_LIMIT = 500


async def danger_words(update: Update, context: BotContext) -> bool:
    """True when the message showed a sign worth answering now (router priority)."""
    message = update.effective_message
    if message is None or not message.text:
        return False
    findings = recognise(message.text)
    if not findings:
        return False
    kept = {"source": "text", "typed": message.text[:TYPED_LIMIT]}
    return await answer_findings(update, context, findings, kept, Level.SEE_DOCTOR_TODAY)


async def danger_pressed(update: Update, context: BotContext, kind: str, code: str) -> bool:
    """A checklist symptom ticked on a form that is no longer open (an old message, or a
    tick that reached the bot after that form's Done): if it is a danger sign, it is
    answered and filed as if she had typed it. "This question has already been answered"
    would leave a mother who just pressed "vaginal bleeding" with no way to care."""
    words = default_danger_words()
    signs = tuple(s.id for s in words.signs if s.symptoms.get(kind) == code)
    if not signs:
        return False
    findings = Findings(
        signs=signs,
        about_child=kind == CHILD,
        about_pregnancy=kind == PREGNANCY,
        about_self=kind != CHILD,
    )
    return await answer_findings(update, context, findings, {"source": "button"}, Level.EMERGENCY)


async def answer_findings(
    update: Update,
    context: BotContext,
    findings: Findings,
    kept: dict[str, str],
    minimum: Level,
) -> bool:
    """Triage what she said against her profile; from `minimum` up, answer it with the way
    to care and (with consent, about a subject we follow) file it as a report that alerts
    staff. False: below `minimum`, left to other answers."""
    runtime = context.runtime
    now = runtime.clock.now()
    today = reports.local_day(now, runtime.settings)
    user_id = context.account.id
    profile, children, state = await profile_actions.profile_children_and_dialog(runtime, user_id)
    person = Person(
        pregnant=bool(profile and profile.pregnant),
        due_date=profile.due_date if profile else None,
        risk_colours=frozenset({profile.risk_colour})
        if profile and profile.risk_colour
        else frozenset(),
        children=tuple((c.id, c.birth_date) for c in children if c.id is not None),
        postpartum=profile is not None
        and in_postpartum_period(
            outcome=profile.pregnancy_outcome,
            pregnant=profile.pregnant,
            births=(c.birth_date for c in children),
            today=today,
        ),
    )
    result = triage_text(findings, person, reports.triage_rules(), today)
    if result is None or result.level < minimum:
        return False
    if state is not None and not (findings.signs and result.level == Level.EMERGENCY):
        return False  # "38.5" in a dialog answers its question; only a typed sign interrupts
    reasons, told = result.assessment.reasons, None
    if profile is not None and profile.consent == "given" and result.storable:
        filed = await report_filing.file_typed(
            runtime,
            user_id,
            result.subject,
            result.data | {"complete": True} | kept,
            result.child_id,
            now,
        )
        reasons, told = filed.assessment.reasons, filed.staffed if filed.alerted else None
    answer = _answer(context, result, reasons, told, state is not None, profile is not None)
    await send(update, context, answer)
    if state is None and (result.level == Level.EMERGENCY or result.assessment.fever_clinic):
        # As after /report: the way to care (emergency midwifery units for her, fever
        # clinics otherwise). Never in the middle of a dialog: it would replace it.
        emergency = result.level == Level.EMERGENCY
        await offer_clinic_directions(
            update, context, pregnant_emergency=emergency and result.subject == "pregnancy"
        )
    return True


def _answer(
    context: BotContext,
    result: TextTriage,
    reasons: tuple[str, ...],
    told: str | None,
    in_dialog: bool,
    registered: bool,
) -> str:
    _ = context.tr.gettext
    number = context.runtime.settings.emergency_number
    words = default_danger_words()
    lines = [headline(context, result.level), *reason_lines(context, reasons)]
    lines += [html.escape(words.sign(s).answer(context.tr.locale, number)) for s in result.fallback]
    if told is not None:
        lines.append(notified_line(context, told))
    elif result.findings.other_person:
        lines.append(_("If this is happening to someone with you now, help them get care."))
    elif not result.followed and registered:
        # A registered father's or grandmother's own sign: /report has no form for them,
        # and saying so is better than a promise that someone will follow it up. (Someone
        # not registered yet is still pointed to /report, which starts with joining.)
        lines.append(
            _(
                "This service keeps health records only for pregnancies and young children, "
                "so nobody has been told about this. Please get care for yourself now."
            )
        )
    else:
        lines.append(
            _("When you can, send /report so your community health worker knows.")
            if not in_dialog
            else ""
        )
    if in_dialog:
        lines.append(
            _("Your answers so far are kept: when you are safe, carry on where you left off.")
        )
    return "\n\n".join(line for line in lines if line)


# Danger signs in free text are answered even in the middle of a dialog.
FEATURE = Feature("danger", claims=(Claim(danger_words, rank=20, before_dialogs=True),))
