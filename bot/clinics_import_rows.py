"""Checking one record of a clinic list: every problem of the row, not just the first."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

from bot.clinics_import_errors import MAX_VALUE_SHOWN, RowError
from bot.clinics_import_schema import FIELDS, OPTIONAL_FIELDS, Schema, normalise_key
from bot.domain.clinics import Place, PlaceType
from bot.domain.opening_hours import OpeningHoursError, parse_opening_hours

# Ids travel in callback_data (at most 64 bytes) next to a prefix, so keep them short ASCII.
_ID_RE = re.compile(r"[A-Za-z0-9_-]{1,32}")
# One or more numbers, e.g. "021-6000 1234 / 12320" or "+86 21 6000 1234 转 8001".
_PHONE_SPLIT = re.compile(r"\s*[/;,、]\s*|\s+或\s+")
_PHONE_RE = re.compile(
    r"^(?P<number>\+?[\d\s()-]+?)(?:\s*(?:ext\.?|x|转|分机)\s*\d{1,6})?$", re.IGNORECASE
)
_PHONE_DIGITS = (3, 15)  # 120 and 12320 are real numbers; E.164 allows at most 15 digits


@dataclass(frozen=True)
class RowResult:
    """The outcome for one row: a place, or the errors that keep it out."""

    row_number: int
    place: Place | None
    errors: tuple[RowError, ...] = ()


class _RowChecker:
    """Collects every error of one row instead of stopping at the first."""

    def __init__(self, row_number: int, record: Mapping[str, object]) -> None:
        self.row_number = row_number
        self.record = record
        self.errors: list[RowError] = []

    def fail(self, name: str, reason: str, value: object = "", **params: object) -> None:
        shown = "" if value is None else str(value)[:MAX_VALUE_SHOWN]
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


def check_row(
    row_number: int, record: object, schema: Schema, seen_ids: dict[str, int]
) -> RowResult:
    if not isinstance(record, Mapping):
        error = RowError(row_number, "", "not_an_object", str(record)[:MAX_VALUE_SHOWN])
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
        place_type = schema.types.get(normalise_key(values["type"]))
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
        name_en=values["name_en"] or "",
        address_en=values["address_en"] or "",
        notes_en=values["notes_en"] or "",
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
