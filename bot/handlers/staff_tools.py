"""Staff tools: /ledger (paged), /due, /export (CSV) and follow-up notes (/note).

Buttons use the `st:` prefix: `st:page:<n>` turns a ledger page, `st:note:<user id>`
starts a note about a person. Notes are a dialog of flow "note" (state in the
database), also started by the "Add note" button on an alert.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update

from bot import communities, ledger, ledger_csv, ledger_views, notes
from bot.context import BotContext
from bot.conversation.callback_data import CallbackData
from bot.conversation.chat import send_to_chat as _send
from bot.domain.triage import Level
from bot.features import Claim, Feature
from bot.handlers import staff_notes
from bot.handlers.followup_tasks import due_message
from bot.handlers.staff_notes import name_or_number as _name
from bot.handlers.staff_notes import start_note
from bot.i18n import Translator
from bot.ledger import Entry, Scope
from bot.reports import triage_rules


@dataclass(frozen=True)
class LedgerButton(CallbackData, prefix="st"):
    """A ledger page ("page", number) or a note about a person ("note", their id)."""

    action: str
    value: int
NOTE_PREVIEW = 80


async def _scope(update: Update, context: BotContext) -> Scope | None:
    scope = await ledger_views.scope_of(context.runtime, context.account.id)
    if scope is None:
        _ = context.tr.gettext
        text = _("This is for community health workers. Ask your administrator for an invite link.")
        if update.callback_query is not None:
            await update.callback_query.answer(text, show_alert=True)
        else:
            await _send(update, context, text)
    return scope


# ----- rendering ------------------------------------------------------------------------------


def _day_time(moment: datetime, context: BotContext) -> str:
    return moment.astimezone(context.runtime.settings.zone).strftime("%m-%d %H:%M")


def _level(code: str | None, tr: Translator, emergency_number: str) -> str:
    try:
        level = Level[(code or "").upper()]
    except KeyError:
        return code or ""
    return triage_rules().level_text(level, "staff", tr.locale, emergency_number=emergency_number)


def _colour(code: str | None, tr: Translator) -> str:
    colour = triage_rules().colours.get(code or "")
    return colour.name.get(tr.locale) if colour else tr.gettext("colour not given")


def render_entry(number: int, e: Entry, context: BotContext, communities: dict[str, str]) -> str:
    _ = context.tr.gettext
    tr = context.tr
    emergency = context.runtime.settings.emergency_number
    head = f"{number}. <b>{_name(e.name, e.user_id)}</b> · ID {e.user_id}"
    if e.community_code:
        head += " · " + html.escape(communities.get(e.community_code, e.community_code))
    lines = [head]
    if e.pregnant:
        parts = [
            _("🤰 {weeks}+{days} weeks").format(weeks=e.gestation.weeks, days=e.gestation.days)
            if e.gestation
            else _("🤰 pregnant, due date unknown"),
            html.escape(_colour(e.colour, tr)),
        ]
        if e.priority:
            parts.append(_("⭐ priority group"))
        lines.append("   " + " · ".join(parts))
    for child in e.children:
        lines.append(
            "   "
            + _("👶 {name}, {months} months").format(
                name=html.escape(child.name or _("child")), months=child.age.months
            )
        )
    if e.last_report_at is not None:
        lines.append(
            "   "
            + _("Last report: {when} · {level}").format(
                when=_day_time(e.last_report_at, context),
                level=html.escape(_level(e.last_report_level, tr, emergency)),
            )
        )
    else:
        lines.append("   " + _("No report yet"))
    flags = []
    if e.open_alerts:
        flags.append(_("🔔 open alerts: {n}").format(n=e.open_alerts))
    if e.overdue:
        flags.append(_("⚠️ follow-up overdue"))
    if flags:
        lines.append("   " + " · ".join(flags))
    if e.last_note and e.last_note_at:
        note = e.last_note if len(e.last_note) <= NOTE_PREVIEW else e.last_note[:NOTE_PREVIEW] + "…"
        lines.append(f"   🗒 {_day_time(e.last_note_at, context)}: {html.escape(note)}")
    return "\n".join(lines)


def _ledger_keyboard(
    items: list[Entry], number: int, pages: int, tr: Translator
) -> InlineKeyboardMarkup:
    notes = [
        InlineKeyboardButton(f"📝 {i}", callback_data=LedgerButton("note", e.user_id).pack())
        for i, e in enumerate(items, start=1)
    ]
    rows = [notes[i : i + 4] for i in range(0, len(notes), 4)]
    nav = []
    if number > 1:
        nav.append(InlineKeyboardButton("◀", callback_data=LedgerButton("page", number - 1).pack()))
    if number < pages:
        nav.append(InlineKeyboardButton("▶", callback_data=LedgerButton("page", number + 1).pack()))
    if nav:
        rows.append(nav)
    return InlineKeyboardMarkup(rows)


async def _ledger_page(
    context: BotContext, scope: Scope, number: int
) -> tuple[str, InlineKeyboardMarkup]:
    _ = context.tr.gettext
    found = await ledger_views.ledger_page(context.runtime, scope, number)
    items, number, pages = found.entries, found.number, found.pages
    if not found.people:
        return _("Nobody in your communities has joined yet."), InlineKeyboardMarkup([])
    names = await communities.names(context.runtime, context.tr.locale)
    header = " · ".join(
        [
            _("<b>Ledger</b>"),
            _("People: {n}").format(n=found.people),
            _("page {page}/{pages}").format(page=number, pages=pages),
        ]
    )
    first = (number - 1) * ledger.PAGE_SIZE + 1
    body = [render_entry(first + i, e, context, names) for i, e in enumerate(items)]
    footer = _("📝 n: add a note about person n. /due: who needs follow-up. /export: CSV.")
    text = "\n\n".join([header, *body, footer])
    return text, _ledger_keyboard(items, number, pages, context.tr)


async def show_ledger(update: Update, context: BotContext) -> None:
    scope = await _scope(update, context)
    if scope is None:
        return
    args = context.args or []
    number = int(args[0]) if args and args[0].isdigit() else 1
    text, markup = await _ledger_page(context, scope, number)
    await _send(update, context, text, markup)


async def show_due(update: Update, context: BotContext) -> None:
    """/due: page 1, cut in the database (bot/followup/due_view.py); ◀ ▶ turn pages."""
    scope = await _scope(update, context)
    if scope is None:
        return
    text, markup = await due_message(context, scope, 1)
    await _send(update, context, text, markup)


async def export_ledger(update: Update, context: BotContext) -> None:
    scope = await _scope(update, context)
    if scope is None:
        return
    runtime = context.runtime
    tr = context.tr
    _ = tr.gettext
    rules = triage_rules()
    everyone = await ledger_views.export_entries(runtime, scope, rules)
    labels = ledger_csv.csv_labels(tr, rules, runtime.settings.emergency_number)
    data = ledger_csv.to_csv(everyone, labels, runtime.settings.zone)
    chat = update.effective_chat
    assert chat is not None
    filename = f"ledger-{runtime.today().isoformat()}.csv"
    await context.bot.send_document(
        chat.id,
        InputFile(data, filename=filename),
        caption=_("People: {n}").format(n=len(everyone)),
    )


# ----- notes ---------------------------------------------------------------------------------


async def note_command(update: Update, context: BotContext) -> None:
    """`/note ID` asks for the text; `/note ID text` saves it at once."""
    scope = await _scope(update, context)
    if scope is None:
        return
    _ = context.tr.gettext
    args = context.args or []
    if not args or not args[0].isdigit():
        await _send(
            update,
            context,
            _("Usage: /note ID your note. The ID is shown in /ledger; or press 📝 there."),
        )
        return
    subject = int(args[0])
    text = " ".join(args[1:]).strip()
    if not text:
        await start_note(update, context, subject)
        return
    saved = await notes.save_note(context.runtime, subject, context.account.id, text)
    if not saved:
        await _send(update, context, _("You can only add notes about people in your communities."))
        return
    await _send(update, context, _("Note saved. It shows in /ledger."))


# ----- buttons -------------------------------------------------------------------------------


async def on_callback(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    _ = context.tr.gettext
    pressed = LedgerButton.unpack(query.data)
    if pressed is None or pressed.action not in ("page", "note") or pressed.value < 0:
        await query.answer(_("This button is no longer valid."))
        return
    action, value = pressed.action, pressed.value
    scope = await _scope(update, context)
    if scope is None:
        return
    if action == "page":
        text, markup = await _ledger_page(context, scope, int(value))
        await query.answer()
        await query.edit_message_text(text, reply_markup=markup)
        return
    await query.answer()
    await start_note(update, context, int(value))


FEATURE = Feature(
    "staff_tools",
    commands=(
        ("ledger", show_ledger),
        ("due", show_due),
        ("export", export_ledger),
        ("note", note_command),
    ),
    callbacks=((LedgerButton.pattern(), on_callback),),
    flows=(staff_notes.NOTE,),
    # A staff note describes someone else ("bleeding, sent to hospital"): it must be
    # stored as written, not answered as the writer's own danger sign.
    claims=(Claim(staff_notes.note_in_progress, rank=10, before_dialogs=True),),
)
