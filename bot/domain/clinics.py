"""Places a worried parent or pregnant woman can be sent to, and which ones to show first.

The seed notice asks that feverish children go to a fever clinic instead of a massage
venue; a list of clinics is only useful if the first entries are both near and open
now, so ranking puts "open now" before distance and says when a closed place opens.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime, tzinfo
from enum import StrEnum

from bot.domain.geo import haversine_m
from bot.domain.opening_hours import (
    DEFAULT_TZ,
    OpeningHours,
    is_open,
    next_closing,
    next_opening,
)


class PlaceType(StrEnum):
    FEVER_CLINIC = "fever_clinic"
    PAEDIATRIC_FEVER_CLINIC = "paediatric_fever_clinic"
    # Designated institutions that take women whose own midwifery unit closed (seed 000).
    EMERGENCY_MIDWIFERY = "emergency_midwifery"
    MATERNITY_HOSPITAL = "maternity_hospital"


@dataclass(frozen=True)
class Place:
    id: str
    name: str
    type: PlaceType
    district: str
    address: str
    phone: str
    lat: float
    lon: float
    hours: OpeningHours
    notes: str = ""
    # The published list is in Chinese; an authority may add English names, addresses and
    # notes so an English reader is not handed Chinese text inside English sentences.
    name_en: str = ""
    address_en: str = ""
    notes_en: str = ""

    def shown(self, locale: str) -> ShownPlace:
        """The name, address and notes a reader of ``locale`` sees (published text if none)."""
        if locale.split("_")[0] == "en":
            return ShownPlace(
                self.name_en or self.name,
                self.address_en or self.address,
                self.notes_en or self.notes,
            )
        return ShownPlace(self.name, self.address, self.notes)


@dataclass(frozen=True)
class ShownPlace:
    name: str
    address: str
    notes: str


@dataclass(frozen=True)
class RankedPlace:
    """A place as it stands at one moment, for one person.

    ``distance_m`` is None when no location was given (the district path).
    ``opens_at`` is set only when closed; ``closes_at`` only when open and it will close
    within the week (None for a 24 h place).
    """

    place: Place
    distance_m: float | None
    open_now: bool
    opens_at: datetime | None = None
    closes_at: datetime | None = None


def assess(
    place: Place,
    at: datetime,
    distance_m: float | None = None,
    tz: tzinfo = DEFAULT_TZ,
) -> RankedPlace:
    """A place's open/closed state at ``at``."""
    if is_open(place.hours, at, tz):
        return RankedPlace(place, distance_m, True, closes_at=next_closing(place.hours, at, tz))
    return RankedPlace(place, distance_m, False, opens_at=next_opening(place.hours, at, tz))


def _of_types(places: Iterable[Place], types: Collection[str] | None) -> list[Place]:
    return [p for p in places if types is None or p.type in types]


def rank_places(
    places: Iterable[Place],
    lat: float,
    lon: float,
    at: datetime,
    n: int = 3,
    types: Collection[str] | None = None,
    prefer_types: Collection[str] | None = None,
    tz: tzinfo = DEFAULT_TZ,
) -> list[RankedPlace]:
    """The ``n`` places to suggest to someone at (lat, lon) at moment ``at``.

    Places open now come first, nearest first; if fewer than ``n`` are open, the list is
    filled with the nearest closed ones, each carrying when it next opens. Within each of
    those two groups, places of ``prefer_types`` go before the others (a pregnant woman
    in an emergency should see the designated emergency midwifery institutions first
    even when a general fever clinic is closer). ``types`` restricts the candidates.
    """
    if n <= 0:
        return []
    preferred = set(prefer_types or ())
    ranked = [
        assess(place, at, haversine_m(lat, lon, place.lat, place.lon), tz)
        for place in _of_types(places, types)
    ]

    def order(item: RankedPlace) -> tuple[bool, bool, float, str]:
        # Ties in distance are broken by id so the answer never depends on input order.
        distance = item.distance_m or 0.0
        return (not item.open_now, item.place.type not in preferred, distance, item.place.id)

    return sorted(ranked, key=order)[:n]


def places_in_district(
    places: Iterable[Place],
    district: str,
    at: datetime,
    n: int | None = None,
    types: Collection[str] | None = None,
    tz: tzinfo = DEFAULT_TZ,
) -> list[RankedPlace]:
    """Places in one district for someone who chose the district instead of sharing a location.

    Open ones first, then by name; ``n`` None means all of them.
    """
    wanted = district_key(district)
    ranked = [
        assess(place, at, None, tz)
        for place in _of_types(places, types)
        if district_key(place.district) == wanted
    ]
    ranked.sort(key=lambda item: (not item.open_now, item.place.name, item.place.id))
    return ranked if n is None else ranked[: max(n, 0)]


def districts(places: Iterable[Place], types: Collection[str] | None = None) -> list[str]:
    """The districts that have at least one place, sorted, for a district keyboard."""
    return sorted({place.district for place in _of_types(places, types)})


# Endings people leave out when they type a district ("东城" for 东城区, "Dongcheng").
_DISTRICT_ENDINGS = ("district", "county", "新区", "区", "县")


def district_key(district: str) -> str:
    """A district's name as compared: case, spaces, full-width forms and the ending ignored."""
    key = "".join(unicodedata.normalize("NFKC", district).casefold().split())
    for ending in _DISTRICT_ENDINGS:
        if key.endswith(ending) and len(key) > len(ending):
            return key[: -len(ending)]
    return key
