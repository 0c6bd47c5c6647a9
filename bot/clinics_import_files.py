"""Reading a clinic list file (CSV or JSON) into numbered records, before any checking.

A record is what the admin sees as one row: a CSV row number counts the header as row
1; a JSON row number is the object's position in the list, from 1.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

from bot.clinics_import_errors import MAX_VALUE_SHOWN, ClinicFileError
from bot.clinics_import_schema import REQUIRED_FIELDS, Schema, default_schema, normalise_key


def _decode(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        # Excel on a Chinese system saves "CSV" as GBK unless told "CSV UTF-8".
        raise ClinicFileError("not_utf8") from None


def _format_of(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".json"):
        raise ClinicFileError("unsupported_format", suffix=suffix or path.name)
    return suffix[1:]


def _csv_records(path: Path, schema: Schema) -> Iterator[tuple[int, object]]:
    reader = csv.reader(io.StringIO(_decode(path), newline=""))
    header = next(reader, None)
    if header is None:
        raise ClinicFileError("empty_file")
    positions: dict[str, int] = {}
    for index, heading in enumerate(header):
        name = schema.columns.get(normalise_key(heading))
        if name is None:
            continue
        if name in positions:
            raise ClinicFileError("duplicate_column", column=name)
        positions[name] = index
    missing = [name for name in REQUIRED_FIELDS if name not in positions]
    if missing:
        raise ClinicFileError("missing_columns", columns=", ".join(missing))
    # A record is what a spreadsheet shows as one row, even with a line break inside a cell.
    for row_number, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue  # spreadsheets export trailing empty rows
        yield (
            row_number,
            {name: cells[index] if index < len(cells) else "" for name, index in positions.items()},
        )


def _json_document(path: Path) -> object:
    try:
        return json.loads(_decode(path))
    except json.JSONDecodeError as error:
        raise ClinicFileError("bad_json", line=error.lineno) from None


def _json_places(document: object) -> list[object]:
    if isinstance(document, list):
        return document
    if isinstance(document, dict) and isinstance(document.get("places"), list):
        return document["places"]
    raise ClinicFileError("bad_json_shape")


def _json_records(path: Path, schema: Schema) -> Iterator[tuple[int, object]]:
    for row_number, item in enumerate(_json_places(_json_document(path)), start=1):
        if not isinstance(item, dict):
            yield row_number, item
            continue
        record: dict[str, object] = {}
        for key, value in item.items():
            name = schema.columns.get(normalise_key(str(key)))
            if name is not None:
                record[name] = value
        yield row_number, record


def records(path: Path, schema: Schema) -> Iterator[tuple[int, object]]:
    if _format_of(path) == "csv":
        return _csv_records(path, schema)
    return _json_records(path, schema)


def count_rows(path: str | Path, schema: Schema | None = None) -> int:
    """How many results `iter_rows` will yield, for a progress bar's total."""
    return sum(1 for _ in records(Path(path), schema or default_schema()))


def read_published(path: str | Path, given: date | None = None) -> date | None:
    """The list's publication date: ``given`` (the caller's argument) if any, else the JSON's."""
    if given is not None or _format_of(Path(path)) != "json":
        return given
    document = _json_document(Path(path))
    value = document.get("published") if isinstance(document, dict) else None
    if value is None:
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ClinicFileError("bad_published", value=str(value)[:MAX_VALUE_SHOWN]) from None
