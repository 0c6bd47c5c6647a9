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
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path

from bot.domain.clinics import Place, PlaceType
from bot.domain.opening_hours import OpeningHoursError, parse_opening_hours
from bot.domain.validation_text import (
    InputError,
    ValidationTexts,
    explain,
    load_validation_texts,
)

CONTENT_DIR = Path(__file__).resolve().parents[1] / "content" / "clinics"
COLUMNS_PATH = CONTENT_DIR / "columns.toml"
MESSAGES_PATH = CONTENT_DIR / "import_messages.toml"

FIELDS = ("id", "name", "type", "district", "address", "phone", "lat", "lon", "hours", "notes")
OPTIONAL_FIELDS = frozenset({"phone", "notes"})
REQUIRED_FIELDS = tuple(f for f in FIELDS if f not in OPTIONAL_FIELDS)

# Ids travel in callback_data (at most 64 bytes) next to a prefix, so keep them short ASCII.
_ID_RE = re.compile(r"[A-Za-z0-9_-]{1,32}")
# One or more numbers, e.g. "021-6000 1234 / 12320" or "+86 21 6000 1234 转 8001".
_PHONE_SPLIT = re.compile(r"\s*[/;,、]\s*|\s+或\s+")
_PHONE_RE = re.compile(
    r"^(?P<number>\+?[\d\s()-]+?)(?:\s*(?:ext\.?|x|转|分机)\s*\d{1,6})?$", re.IGNORECASE
)
_PHONE_DIGITS = (3, 15)  # 120 and 12320 are real numbers; E.164 allows at most 15 digits
_MAX_VALUE_SHOWN = 60


class ClinicFileError(InputError):
    """The file as a whole cannot be read (wrong format, encoding, missing columns)."""


@dataclass(frozen=True)
class RowError:
    """One problem in one field of one row.

    ``reason`` is an error code; ``value`` is what the row held (shortened);
    ``params`` fills the code's text (e.g. ``first_row`` for a duplicate id).
    """

    row_number: int
    field: str
    reason: str
    value: str = ""
    params: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class RowResult:
    """The outcome for one row: a place, or the errors that keep it out."""

    row_number: int
    place: Place | None
    errors: tuple[RowError, ...] = ()


@dataclass(frozen=True)
class ImportResult:
    accepted: list[Place]
    rejected: list[RowError]
    published: date | None = None
    rows_read: int = 0

    @property
    def rejected_rows(self) -> list[int]:
        return sorted({error.row_number for error in self.rejected})


# --- schema ----------------------------------------------------------------------------------


def _key(text: str) -> str:
    return " ".join(text.split()).casefold()


@dataclass(frozen=True)
class Schema:
    """Alias tables from content/clinics/columns.toml, keyed by normalised spelling."""

    columns: Mapping[str, str]
    types: Mapping[str, PlaceType]


def load_schema(path: Path = COLUMNS_PATH) -> Schema:
    with path.open("rb") as handle:
        data = tomllib.load(handle)
    columns = _aliases(data["columns"], FIELDS, path, "columns")
    types = _aliases(data["types"], tuple(PlaceType), path, "types")
    return Schema(columns=columns, types={k: PlaceType(v) for k, v in types.items()})


def _aliases(table: dict, names: tuple[str, ...], path: Path, where: str) -> dict[str, str]:
    if set(table) != set(names):
        raise ValueError(f"{path}: [{where}] must list exactly {', '.join(names)}")
    aliases: dict[str, str] = {}
    for name in names:
        for spelling in [name, *table[name]]:
            owner = aliases.setdefault(_key(spelling), name)
            if owner != name:
                raise ValueError(f"{path}: {spelling!r} names both {owner!r} and {name!r}")
    return aliases


@cache
def default_schema() -> Schema:
    return load_schema()


def load_import_texts(path: Path = MESSAGES_PATH) -> dict[str, dict[str, str]]:
    """The explanations for every import and opening-hours error code, per locale."""
    return load_validation_texts(path)


def describe_row_error(error: RowError, locale: str | None, texts: ValidationTexts) -> str:
    """'Row 7 (lat): …' in the admin's language."""
    params = {"row": error.row_number, "field": error.field, "value": error.value, **error.params}
    return explain("row_prefix", locale, texts, **params) + explain(
        error.reason, locale, texts, **params
    )


def describe_file_error(error: ClinicFileError, locale: str | None, texts: ValidationTexts) -> str:
    return explain(error.code, locale, texts, **error.params)


# --- reading records -------------------------------------------------------------------------


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
        name = schema.columns.get(_key(heading))
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
            name = schema.columns.get(_key(str(key)))
            if name is not None:
                record[name] = value
        yield row_number, record


def _records(path: Path, schema: Schema) -> Iterator[tuple[int, object]]:
    if _format_of(path) == "csv":
        return _csv_records(path, schema)
    return _json_records(path, schema)


def count_rows(path: str | Path, schema: Schema | None = None) -> int:
    """How many results `iter_rows` will yield, for a progress bar's total."""
    return sum(1 for _ in _records(Path(path), schema or default_schema()))


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
        raise ClinicFileError("bad_published", value=str(value)[:_MAX_VALUE_SHOWN]) from None


# --- validating one row ----------------------------------------------------------------------


class _RowChecker:
    """Collects every error of one row instead of stopping at the first."""

    def __init__(self, row_number: int, record: Mapping[str, object]) -> None:
        self.row_number = row_number
        self.record = record
        self.errors: list[RowError] = []

    def fail(self, name: str, reason: str, value: object = "", **params: object) -> None:
        shown = "" if value is None else str(value)[:_MAX_VALUE_SHOWN]
        self.errors.append(RowError(self.row_number, name, reason, shown, params))

    def text(self, name: str) -> str | None:
        """The field as trimmed text; numbers are accepted (JSON ids and phones)."""
        value = self.record.get(name)
        if value is None:
            value = ""
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.fail(name, "not_text", json.dumps(value, ensure_ascii=False))
            return None
        text = str(value).strip()
        if not text and name not in OPTIONAL_FIELDS:
            self.fail(name, "required")
            return None
        return text

    def number(self, name: str) -> float | None:
        """The field as a finite number (range checks are the caller's)."""
        value = self.record.get(name)
        if isinstance(value, bool):
            self.fail(name, "not_a_number", value)
            return None
        if isinstance(value, int | float):
            number = float(value)
        else:
            text = self.text(name)
            if text is None:
                return None
            try:
                number = float(text)
            except ValueError:
                number = math.nan
        if not math.isfinite(number):
            self.fail(name, "not_a_number", value)
            return None
        return number


def _check_row(
    row_number: int, record: object, schema: Schema, seen_ids: dict[str, int]
) -> RowResult:
    if not isinstance(record, Mapping):
        error = RowError(row_number, "", "not_an_object", str(record)[:_MAX_VALUE_SHOWN])
        return RowResult(row_number, None, (error,))
    row = _RowChecker(row_number, record)
    values = {name: row.text(name) for name in FIELDS if name not in ("lat", "lon")}

    place_id = values["id"]
    if place_id is not None:
        if not _ID_RE.fullmatch(place_id):
            row.fail("id", "bad_id", place_id)
        elif place_id in seen_ids:
            row.fail("id", "duplicate_id", place_id, first_row=seen_ids[place_id])
        else:
            seen_ids[place_id] = row_number

    place_type = None
    if values["type"] is not None:
        place_type = schema.types.get(_key(values["type"]))
        if place_type is None:
            row.fail("type", "unknown_type", values["type"], allowed=", ".join(PlaceType))

    lat, lon = _coordinates(row)

    if values["phone"] and not _plausible_phone(values["phone"]):
        row.fail("phone", "bad_phone", values["phone"])

    hours = None
    if values["hours"] is not None:
        try:
            hours = parse_opening_hours(values["hours"])
        except OpeningHoursError as error:
            row.fail("hours", error.code, values["hours"], fragment=error.fragment)

    if row.errors:
        return RowResult(row_number, None, tuple(row.errors))
    assert place_type is not None and hours is not None and lat is not None and lon is not None
    place = Place(
        id=place_id or "",
        name=values["name"] or "",
        type=place_type,
        district=values["district"] or "",
        address=values["address"] or "",
        phone=values["phone"] or "",
        lat=lat,
        lon=lon,
        hours=hours,
        notes=values["notes"] or "",
    )
    return RowResult(row_number, place)


def _coordinates(row: _RowChecker) -> tuple[float | None, float | None]:
    lat, lon = row.number("lat"), row.number("lon")
    lat_ok = lat is not None and -90 <= lat <= 90
    lon_ok = lon is not None and -180 <= lon <= 180
    shown_lat, shown_lon = row.record.get("lat"), row.record.get("lon")
    if lat is not None and lon is not None and not lat_ok and lon_ok and -90 <= lon <= 90:
        # 121.47 under lat and 31.23 under lon: the two columns were swapped.
        row.fail("lat", "coordinates_swapped", shown_lat)
        return None, None
    if lat is not None and not lat_ok:
        row.fail("lat", "out_of_range", shown_lat, low=-90, high=90)
    if lon is not None and not lon_ok:
        row.fail("lon", "out_of_range", shown_lon, low=-180, high=180)
    return (lat if lat_ok else None), (lon if lon_ok else None)


def _plausible_phone(text: str) -> bool:
    low, high = _PHONE_DIGITS
    numbers = [part for part in _PHONE_SPLIT.split(text) if part]
    matches = [_PHONE_RE.match(number) for number in numbers]
    return bool(matches) and all(
        match is not None and low <= sum(c.isdigit() for c in match["number"]) <= high
        for match in matches
    )


# --- public entry points ---------------------------------------------------------------------


def iter_rows(path: str | Path, schema: Schema | None = None) -> Iterator[RowResult]:
    """One result per non-empty row, in file order; for progress bars on large files.

    File-level problems raise ClinicFileError before the first result. The first row
    with a given id wins; later ones are rejected as duplicates.
    """
    seen_ids: dict[str, int] = {}
    schema = schema or default_schema()
    for row_number, record in _records(Path(path), schema):
        yield _check_row(row_number, record, schema, seen_ids)


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
