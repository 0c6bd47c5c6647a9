"""How the clinic answer reads: the list, each place's state now, and the advice before going.

Kept apart from the conversation in clinic.py so the wording can change without touching
the dialog, and so the massage answer can share the sourced texts.
"""

from __future__ import annotations

import functools
import html
from datetime import datetime

from babel.dates import format_date, get_day_names

from bot.clinics import FAR_METRES, Directory
from bot.clinics_import import CONTENT_DIR
from bot.context import BotContext
from bot.domain.clinics import PlaceType, RankedPlace
from bot.domain.opening_hours import MINUTES_PER_DAY, Interval, OpeningHours, clock, day_groups
from bot.domain.validation_text import explain, load_validation_texts
from bot.i18n import N_, format_day

PREGNANT_EMERGENCY = "e"  # the clinic dialog's mode for a pregnant woman's emergency
DIRECTIONS_FILE = CONTENT_DIR / "directions.toml"

TYPE_LABELS = {
    PlaceType.FEVER_CLINIC: N_("Fever clinic"),
    PlaceType.PAEDIATRIC_FEVER_CLINIC: N_("Children's fever clinic"),
    PlaceType.EMERGENCY_MIDWIFERY: N_("Emergency midwifery institution"),
    PlaceType.MATERNITY_HOSPITAL: N_("Maternity hospital"),
}


@functools.cache
def directions_texts() -> dict[str, dict[str, str]]:
    return load_validation_texts(DIRECTIONS_FILE)


def health_text(context: BotContext, code: str) -> str:
    """A sourced text from content/clinics/directions.toml in the user's language."""
    number = context.runtime.settings.emergency_number
    return explain(code, context.tr.locale, directions_texts(), emergency_number=number)


def render_answer(
    context: BotContext,
    directory: Directory,
    ranked: list[RankedPlace],
    heading: str,
    mode: str,
) -> str:
    """The whole answer as one HTML message: heading, places, list date, advice."""
    _ = context.tr.gettext
    lines = [f"<b>{heading}</b>"]
    if not ranked:
        lines += ["", _("I have no place of this kind in the list for that area.")]
    elif not ranked[0].open_now:
        lines += ["", _("None of these is open right now; each shows when it opens.")]
    nearest = ranked[0].distance_m if ranked else None
    if nearest is not None and nearest > FAR_METRES:
        lines += [
            "",
            _(
                "⚠️ The nearest place in this list is {distance} away, so it is probably not "
                "in your area. Ask your community health worker where to go; in an emergency "
                "call {number} at once."
            ).format(
                distance=_distance(context, nearest),
                number=context.runtime.settings.emergency_number,
            ),
        ]
    for number, item in enumerate(ranked, start=1):
        lines += ["", *_place_lines(context, number, item)]
    published = _published_line(context, directory)
    if published:
        lines += ["", published]
    before = "before_going_pregnant" if mode == PREGNANT_EMERGENCY else "before_going"
    lines += ["", health_text(context, before)]
    return "\n".join(lines)


def _place_lines(context: BotContext, number: int, item: RankedPlace) -> list[str]:
    _ = context.tr.gettext
    place = item.place
    shown = place.shown(context.tr.locale)
    title = f"{number}. <b>{html.escape(shown.name)}</b>"
    if item.distance_m is not None:
        title += " · " + _distance(context, item.distance_m)
    lines = [title, f"<i>{_(TYPE_LABELS[place.type])}</i>"]
    lines.append("📍 " + html.escape(shown.address))
    if place.phone:
        lines.append("☎️ " + html.escape(place.phone))
    lines.append("🕒 " + hours_text(context, place.hours))
    lines.append(_status(context, item))
    if shown.notes:
        lines.append("ℹ️ " + html.escape(shown.notes))
    return lines


def hours_text(context: BotContext, hours: OpeningHours) -> str:
    """Opening hours in the reader's words ("周一至周六 08:00–17:00 · 周日 休息"), HTML-safe."""
    _ = context.tr.gettext
    if hours.is_always_open:
        return _("Open 24 hours")
    names = get_day_names("abbreviated", locale=context.tr.locale)
    parts = []
    for group in day_groups(hours):
        days = names[group.first]
        if group.last != group.first:
            days = _("{first}–{last}").format(first=days, last=names[group.last])
        if not group.intervals:
            times = _("closed")
        elif group.intervals == (Interval(0, MINUTES_PER_DAY),):
            times = _("24 hours")
        else:
            times = ", ".join(f"{clock(i.start)}–{clock(i.end)}" for i in group.intervals)
        parts.append(f"{days} {times}")
    return html.escape(" · ".join(parts))


def _distance(context: BotContext, metres: float) -> str:
    _ = context.tr.gettext
    if metres < 1000:
        return _("{metres} m").format(metres=max(10, round(metres / 10) * 10))
    return _("{km} km").format(km=f"{metres / 1000:.1f}")


def _clock_time(moment: datetime) -> str:
    return moment.strftime("%H:%M")


def _status(context: BotContext, item: RankedPlace) -> str:
    _ = context.tr.gettext
    if item.open_now:
        if item.closes_at is None:
            return _("✅ Open now")
        return _("✅ Open now, until {time}").format(time=_clock_time(item.closes_at))
    if item.opens_at is None:
        return _("⏰ Closed now")
    weekday = format_date(item.opens_at.date(), "EEEE", locale=context.tr.locale)
    return _("⏰ Closed now; opens at {time} ({weekday})").format(
        time=_clock_time(item.opens_at), weekday=weekday
    )


def _published_line(context: BotContext, directory: Directory) -> str:
    _ = context.tr.gettext
    locale = context.tr.locale
    if directory.published is not None:
        return _("From the list published on {date}.").format(
            date=format_day(directory.published, locale)
        )
    if directory.imported_at is not None:
        local = directory.imported_at.astimezone(context.runtime.settings.zone).date()
        return _("From the list updated on {date}.").format(date=format_day(local, locale))
    return ""
