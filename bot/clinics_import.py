"""Reading and checking a published fever-clinic list before it replaces the old one.

An admin imports the list the health authority publishes (CSV from a spreadsheet, or
JSON). Every row is checked and every problem reported with the row number the admin
sees in the spreadsheet (the header is row 1), so one pass fixes the whole file instead
of one error per attempt. Nothing here touches the database: the caller decides what to
do with the accepted places, and can show progress while `iter_rows` works through a
large file.

Formats (see content/clinics/README.md):
- CSV, UTF-8 with or without BOM, a header row naming the columns (English or the
  Chinese aliases in content/clinics/columns.toml). Columns not listed are ignored. The
  publication date comes from the caller (the admin's ``--published`` argument).
- JSON, either a list of objects or ``{"published": "YYYY-MM-DD", "places": [...]}``;
  a row number is the object's position in the list, starting at 1.

Error codes (texts in content/clinics/import_messages.toml) are stable; RowError and
ClinicFileError carry codes and parameters, never sentences.

One job per module: clinics_import_schema (column aliases), clinics_import_files
(reading CSV/JSON into records), clinics_import_rows (checking one row),
clinics_import_errors (error codes and their texts); this module runs them over a
file and is the one callers import.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from bot.clinics_import_errors import (
    CONTENT_DIR,
    MESSAGES_PATH,
    ClinicFileError,
    RowError,
    describe_file_error,
    describe_row_error,
    load_import_texts,
)
from bot.clinics_import_files import count_rows, read_published, records
from bot.clinics_import_rows import RowResult, check_row
from bot.clinics_import_schema import COLUMNS_PATH, FIELDS, Schema, default_schema, load_schema
from bot.domain.clinics import Place

__all__ = [
    "COLUMNS_PATH",
    "CONTENT_DIR",
    "FIELDS",
    "MESSAGES_PATH",
    "ClinicFileError",
    "ImportResult",
    "RowError",
    "RowResult",
    "Schema",
    "count_rows",
    "default_schema",
    "describe_file_error",
    "describe_row_error",
    "iter_rows",
    "load_import_texts",
    "load_schema",
    "parse_clinic_file",
    "read_published",
]


@dataclass(frozen=True)
class ImportResult:
    accepted: list[Place]
    rejected: list[RowError]
    published: date | None = None
    rows_read: int = 0

    @property
    def rejected_rows(self) -> list[int]:
        return sorted({error.row_number for error in self.rejected})


def iter_rows(path: str | Path, schema: Schema | None = None) -> Iterator[RowResult]:
    """One result per non-empty row, in file order; for progress bars on large files.

    File-level problems raise ClinicFileError before the first result. The first row
    with a given id wins; later ones are rejected as duplicates.
    """
    seen_ids: dict[str, int] = {}
    schema = schema or default_schema()
    for row_number, record in records(Path(path), schema):
        yield check_row(row_number, record, schema, seen_ids)


def parse_clinic_file(
    path: str | Path, published: date | None = None, schema: Schema | None = None
) -> ImportResult:
    """Read and check a whole file; the caller's ``published`` overrides the JSON's date."""
    path = Path(path)
    publication = read_published(path, published)
    accepted: list[Place] = []
    rejected: list[RowError] = []
    rows = 0
    for result in iter_rows(path, schema):
        rows += 1
        if result.place is not None:
            accepted.append(result.place)
        rejected.extend(result.errors)
    return ImportResult(accepted, rejected, publication, rows)
