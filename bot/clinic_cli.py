"""`python -m bot clinics import FILE`: check a published clinic list, then make it the bot's list.

Every row is checked before anything is written, and the report names every accepted
and every rejected row by the row number the admin sees in the spreadsheet, so one
pass fixes the whole file. A file with any rejected row changes nothing unless the
admin says `--skip-invalid`; a file with no valid row never replaces a list, because an
empty directory would leave parents with no fever clinic to go to.

Exit codes: 0 the list was published; 1 nothing was published (rejected rows, no valid
rows, an unreadable file, a database error); 2 the command itself was wrong (no such
file, a malformed --published date).

The report speaks the terminal's language, like every command (see bot/cli_locale.py).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TextIO

from sqlalchemy.exc import SQLAlchemyError
from tqdm import tqdm

from bot import clinics
from bot.cli_locale import cli_locale
from bot.clinics_import import (
    ClinicFileError,
    RowError,
    RowResult,
    count_rows,
    describe_file_error,
    describe_row_error,
    iter_rows,
    load_import_texts,
    read_published,
)
from bot.clock import Clock
from bot.config import Settings
from bot.domain.clinics import Place
from bot.domain.validation_text import ValidationTexts
from bot.i18n import Catalogs, Translator
from storage.db import Database

EXIT_PUBLISHED, EXIT_NOT_PUBLISHED, EXIT_USAGE = 0, 1, 2


def run_clinics_command(args: argparse.Namespace, settings: Settings) -> int:
    if args.clinics_command == "import":
        return asyncio.run(import_clinics(args, settings))
    raise ValueError(f"unknown clinics command {args.clinics_command!r}")


@dataclass
class _Checked:
    accepted: list[tuple[int, Place]] = field(default_factory=list)
    rejected: list[RowError] = field(default_factory=list)
    rows: int = 0


def _check(results: Iterable[RowResult]) -> _Checked:
    checked = _Checked()
    for result in results:
        checked.rows += 1
        place = result.place
        errors = list(result.errors)
        if place is not None:
            errors += [
                RowError(result.row_number, name, "too_long", "", {"limit": limit, "length": size})
                for name, limit, size in clinics.oversized_fields(place)
            ]
        if errors:
            checked.rejected.extend(errors)
        elif place is not None:
            checked.accepted.append((result.row_number, place))
    return checked


def _progress(path: Path, err: TextIO) -> Iterator[RowResult]:
    """Rows as they are checked, with a progress bar when a person is watching."""
    show = err.isatty()
    total = count_rows(path) if show else None
    return iter(
        tqdm(iter_rows(path), total=total, file=err, disable=not show, unit=" rows", leave=False)
    )


@dataclass(frozen=True)
class _Plan:
    """A checked file that may be published."""

    places: list[Place]
    published: date | None
    source_name: str


def _read_and_report(
    args: argparse.Namespace, tr: Translator, out: TextIO, err: TextIO
) -> _Plan | int:
    """Check the whole file and print the report: a plan to publish, or an exit code."""
    _ = tr.gettext
    texts = load_import_texts()
    path = Path(args.file)
    given: date | None = None
    if args.published:
        try:
            given = date.fromisoformat(args.published)
        except ValueError:
            error = ClinicFileError("bad_published", value=args.published[:60])
            print(describe_file_error(error, tr.locale, texts), file=err)
            return EXIT_USAGE
    if not path.is_file():
        print(_("Cannot open {file}: there is no such file.").format(file=path), file=err)
        return EXIT_USAGE

    try:
        published = read_published(path, given)
        checked = _check(_progress(path, err))
    except ClinicFileError as error:
        print(f"{path.name}: {describe_file_error(error, tr.locale, texts)}", file=err)
        print(_("Nothing was changed: the bot keeps the list it had."), file=err)
        return EXIT_NOT_PUBLISHED

    _report(checked, path, tr, texts, out)

    if not checked.accepted:
        print(_("Nothing was changed: the file has no valid rows."), file=err)
        return EXIT_NOT_PUBLISHED
    if checked.rejected and not args.skip_invalid:
        print(
            _(
                "Nothing was changed: the bot keeps the list it had. Fix the rows above, "
                "or run again with --skip-invalid to publish only the valid rows ({count})."
            ).format(count=len(checked.accepted)),
            file=err,
        )
        return EXIT_NOT_PUBLISHED
    if published is None:
        print(
            _(
                "No publication date given (--published YYYY-MM-DD): the bot will show "
                "the date of this import instead."
            ),
            file=out,
        )
    return _Plan([place for _row, place in checked.accepted], published, path.name)


async def import_clinics(
    args: argparse.Namespace,
    settings: Settings,
    *,
    out: TextIO | None = None,
    err: TextIO | None = None,
    clock: Clock | None = None,
    locale: str | None = None,
) -> int:
    """``locale`` is the report's language; by default the terminal's."""
    out = out or sys.stdout
    err = err or sys.stderr
    locale = locale or cli_locale()
    tr = Catalogs(locale).get(locale)
    _ = tr.gettext
    plan = await asyncio.to_thread(_read_and_report, args, tr, out, err)
    if isinstance(plan, int):
        return plan

    db = Database(settings.database_url)
    try:
        await db.upgrade()
        result = await clinics.publish(
            db,
            plan.places,
            published=plan.published,
            source_name=plan.source_name,
            now=(clock or Clock()).now(),
        )
    except SQLAlchemyError as error:
        print(
            _("Nothing was changed: the database refused the list ({error}).").format(
                error=type(error).__name__
            ),
            file=err,
        )
        return EXIT_NOT_PUBLISHED
    finally:
        await db.dispose()

    # Two sentences, each with its own plural: "1 place" and "2 places" differ in English.
    published_line = tr.ngettext(
        "Published {count} place.", "Published {count} places.", result.count
    ).format(count=result.count)
    replaced_line = tr.ngettext(
        "It replaces the {previous} place of the previous list.",
        "It replaces the {previous} places of the previous list.",
        result.previous_count,
    ).format(previous=result.previous_count)
    print(f"{published_line} {replaced_line}", file=out)
    if plan.published is not None:
        print(_("Publication date: {date}").format(date=plan.published.isoformat()), file=out)
    return EXIT_PUBLISHED


def _report(
    checked: _Checked, path: Path, tr: Translator, texts: ValidationTexts, out: TextIO
) -> None:
    _ = tr.gettext
    print(
        tr.ngettext(
            "{file}: {rows} row read, {accepted} accepted, {rejected} rejected.",
            "{file}: {rows} rows read, {accepted} accepted, {rejected} rejected.",
            checked.rows,
        ).format(
            file=path.name,
            rows=checked.rows,
            accepted=len(checked.accepted),
            rejected=len({error.row_number for error in checked.rejected}),
        ),
        file=out,
    )
    if checked.accepted:
        print(_("Accepted:"), file=out)
        for row, place in checked.accepted:
            line = _("row {row}: {id} {name} ({type}, {district})").format(
                row=row, id=place.id, name=place.name, type=place.type, district=place.district
            )
            print("  " + line, file=out)
    if checked.rejected:
        print(_("Rejected:"), file=out)
        for error in sorted(checked.rejected, key=lambda e: e.row_number):
            print("  " + describe_row_error(error, tr.locale, texts), file=out)
