"""The ledger as a spreadsheet: header and values in the viewer's language, cells safe.

Split from bot/ledger.py (which decides who is in it and how they are): this
module only writes entries out. The export itself is audited by the handler
through `ledger.record_view` ("ledger_export").
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING

from bot.domain.triage import Level, Rules
from bot.i18n import N_, Translator

if TYPE_CHECKING:
    from bot.ledger import Entry


@dataclass(frozen=True)
class CsvLabels:
    """Header and value words in the viewer's language."""

    header: Sequence[str]
    yes: str
    no: str
    colours: dict[str, str]
    levels: dict[str, str]


CSV_HEADER = (
    N_("ID"),
    N_("Name"),
    N_("Phone"),
    N_("Community"),
    N_("Pregnant"),
    N_("Weeks"),
    N_("Due date"),
    N_("Risk colour"),
    N_("Priority group"),
    N_("Children"),
    N_("Last report"),
    N_("Last report level"),
    N_("Open alerts"),
    N_("Follow-up overdue"),
    N_("Last note"),
    N_("Last note text"),
)


def csv_labels(tr: Translator, rules: Rules, emergency_number: str) -> CsvLabels:
    _ = tr.gettext
    return CsvLabels(
        header=[_(label) for label in CSV_HEADER],
        yes=_("yes"),
        no=_("no"),
        colours={code: c.name.get(tr.locale) for code, c in rules.colours.items()},
        levels={
            level.code: rules.level_text(
                level, "staff", tr.locale, emergency_number=emergency_number
            )
            for level in Level
        },
    )


def to_csv(items: Sequence[Entry], labels: CsvLabels, zone: tzinfo) -> bytes:
    """UTF-8 with a byte-order mark, so spreadsheet programs show Chinese correctly."""

    def day(moment: datetime | None) -> str:
        return moment.astimezone(zone).date().isoformat() if moment else ""

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(labels.header)
    for e in items:
        writer.writerow(
            [
                e.user_id,
                _cell(e.name),
                _cell(e.phone),
                e.community_code or "",
                labels.yes if e.pregnant else labels.no,
                str(e.gestation) if e.gestation else "",
                e.due_date.isoformat() if e.due_date else "",
                labels.colours.get(e.colour or "", e.colour or ""),
                labels.yes if e.priority else labels.no,
                "; ".join(
                    f"{_cell(c.name) or '-'} {c.birth_date.isoformat()} ({c.age.months}m)"
                    for c in e.children
                ),
                day(e.last_report_at),
                labels.levels.get(e.last_report_level or "", e.last_report_level or ""),
                e.open_alerts,
                labels.yes if e.overdue else labels.no,
                day(e.last_note_at),
                _cell(e.last_note),
            ]
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _cell(value: str | None) -> str:
    """Text people typed, made safe for spreadsheets: a leading = + - @ would run as a
    formula when the file is opened (CSV injection)."""
    if not value:
        return ""
    return "'" + value if value[0] in "=+-@\t\r" else value
