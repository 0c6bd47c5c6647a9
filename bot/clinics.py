"""The published clinic list as the bot uses it: load, publish, and pick places to show.

No Telegram types here. Handlers ask for "the nearest three for this location" or "the
places in this district" at the moment the person asks, in the configured time zone;
the CLI and the shell publish a checked list through `publish`.

The list is cached per process and per database, and the cache is checked against the
list's version (one small query) on every request: an import run from the command line
or by another worker is visible to the very next question, without a restart.
"""

from __future__ import annotations

import weakref
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo

from bot.domain.clinics import (
    Place,
    PlaceType,
    RankedPlace,
    district_key,
    places_in_district,
    rank_places,
)
from bot.domain.opening_hours import parse_opening_hours
from storage import communities as community_store
from storage import places as place_store
from storage.db import Database
from storage.models import Place as PlaceRow

ANSWER_SIZE = 3
DISTRICT_ANSWER_SIZE = 5  # no distances to go by, so a few more to choose from

# What a feverish child (or anyone with a fever) is sent to.
FEVER_TYPES = frozenset({PlaceType.FEVER_CLINIC, PlaceType.PAEDIATRIC_FEVER_CLINIC})
# A pregnant woman in an emergency: the designated emergency midwifery institutions first
# (seed 000: units that close transfer their women there), then other hospitals that can
# take her. A children's fever clinic is no use to her.
PREGNANT_EMERGENCY_TYPES = frozenset(
    {PlaceType.EMERGENCY_MIDWIFERY, PlaceType.MATERNITY_HOSPITAL, PlaceType.FEVER_CLINIC}
)
PREGNANT_EMERGENCY_PREFER = frozenset({PlaceType.EMERGENCY_MIDWIFERY})
CHILD_PREFER = frozenset({PlaceType.PAEDIATRIC_FEVER_CLINIC})
# Beyond this, the nearest place is probably not in the person's area (a location far
# outside the list's city, or a list of another city): the answer says so.
FAR_METRES = 50_000


@dataclass(frozen=True)
class Directory:
    """The list as published: its places and when it was published and imported."""

    places: tuple[Place, ...]
    published: date | None
    imported_at: datetime | None
    version: int

    @property
    def is_empty(self) -> bool:
        return not self.places

    def place(self, place_id: str) -> Place | None:
        for place in self.places:
            if place.id == place_id:
                return place
        return None


@dataclass(frozen=True)
class Search:
    """Which places a question is about, and which of them go first."""

    types: frozenset[str]
    prefer_types: frozenset[str] = frozenset()

    @classmethod
    def for_person(cls, *, pregnant_emergency: bool, child: bool = False) -> Search:
        if pregnant_emergency:
            return cls(PREGNANT_EMERGENCY_TYPES, PREGNANT_EMERGENCY_PREFER)
        # A child (an infant above all) is best seen at a children's fever clinic.
        return cls(FEVER_TYPES, CHILD_PREFER if child else frozenset())


# --- rows <-> places -------------------------------------------------------------------------


def to_row(place: Place) -> PlaceRow:
    return PlaceRow(
        id=place.id,
        name=place.name,
        type=str(place.type),
        district=place.district,
        address=place.address,
        phone=place.phone or None,
        latitude=place.lat,
        longitude=place.lon,
        hours=place.hours.text,
        notes=place.notes or None,
        name_en=place.name_en or None,
        address_en=place.address_en or None,
        notes_en=place.notes_en or None,
    )


def from_row(row: PlaceRow) -> Place:
    # The hours were checked on import; parsing them again gives the same result.
    return Place(
        id=row.id,
        name=row.name,
        type=PlaceType(row.type),
        district=row.district,
        address=row.address,
        phone=row.phone or "",
        lat=row.latitude,
        lon=row.longitude,
        hours=parse_opening_hours(row.hours),
        notes=row.notes or "",
        name_en=row.name_en or "",
        address_en=row.address_en or "",
        notes_en=row.notes_en or "",
    )


def oversized_fields(place: Place) -> list[tuple[str, int, int]]:
    """(field, limit, length) for each value too long for its database column.

    The importer checks meaning, not storage; without this a long note would make
    PostgreSQL refuse the whole list at the last step (SQLite would silently accept it).
    """
    row = to_row(place)
    found = []
    for column in PlaceRow.__table__.columns:  # type: ignore[attr-defined]
        limit = getattr(column.type, "length", None)
        value = getattr(row, column.name)
        if limit is not None and isinstance(value, str) and len(value) > limit:
            found.append((column.name, limit, len(value)))
    return found


# --- loading and publishing ------------------------------------------------------------------

_cache: weakref.WeakKeyDictionary[Database, Directory] = weakref.WeakKeyDictionary()


async def load_directory(db: Database) -> Directory:
    """The current list, from the cache when nothing was imported since it was read."""
    async with db.session() as session:
        version = await place_store.list_version(session)
        cached = _cache.get(db)
        if cached is not None and cached.version == version:
            return cached
        meta = await place_store.list_metadata(session)
        rows = await place_store.all_places(session)
    directory = Directory(
        places=tuple(from_row(row) for row in rows),
        published=meta.published if meta else None,
        imported_at=meta.imported_at if meta else None,
        version=version,
    )
    _cache[db] = directory
    return directory


@dataclass(frozen=True)
class Published:
    count: int
    previous_count: int


async def publish(
    db: Database,
    places: Sequence[Place],
    *,
    published: date | None,
    source_name: str | None,
    now: datetime,
) -> Published:
    """Replace the whole list with ``places`` in one transaction."""
    async with db.session() as session:
        previous = await place_store.replace_places(
            session,
            [to_row(place) for place in places],
            published=published,
            source_name=source_name,
            now=now,
        )
    _cache.pop(db, None)
    return Published(len(places), previous)


async def is_empty(db: Database) -> bool:
    async with db.session() as session:
        return await place_store.count_places(session) == 0


# --- choosing what to show -------------------------------------------------------------------


def nearest(
    directory: Directory,
    lat: float,
    lon: float,
    at: datetime,
    tz: tzinfo,
    search: Search,
    n: int = ANSWER_SIZE,
) -> list[RankedPlace]:
    """The ``n`` places to suggest at (lat, lon): open now first, then nearest."""
    return rank_places(
        directory.places,
        lat,
        lon,
        at,
        n=n,
        types=search.types,
        prefer_types=search.prefer_types,
        tz=tz,
    )


def in_district(
    directory: Directory,
    district: str,
    at: datetime,
    tz: tzinfo,
    search: Search,
    n: int = DISTRICT_ANSWER_SIZE,
) -> list[RankedPlace]:
    """Places of one district: open first, preferred types first within that."""
    ranked = places_in_district(directory.places, district, at, types=search.types, tz=tz)
    # places_in_district keeps open-first then name order; a stable sort on the
    # preference keeps that order inside each group.
    ranked.sort(key=lambda item: (not item.open_now, item.place.type not in search.prefer_types))
    return ranked[:n]


@dataclass(frozen=True)
class DistrictChoice:
    """A district for a button; ``key`` is the id of one of its places.

    A place id, not the district's position in a list: callback data must be an id, and
    a position would point at another district after a new list is imported.
    """

    name: str
    key: str


def district_choices(directory: Directory, types: Collection[str]) -> list[DistrictChoice]:
    first_place: dict[str, str] = {}
    for place in sorted(directory.places, key=lambda p: p.id):
        if place.type in types:
            first_place.setdefault(place.district, place.id)
    return [DistrictChoice(name, first_place[name]) for name in sorted(first_place)]


@dataclass(frozen=True)
class DistrictNames:
    """Districts in both languages, where the community list names them (zh, en).

    The clinic list names each district once, as published (usually in Chinese); the
    community list has both spellings, so a reader sees hers and may type either.
    """

    pairs: tuple[tuple[str, str], ...] = ()

    def shown(self, district: str, locale: str) -> str:
        """The district in `locale` when known, else as the clinic list spells it."""
        key = district_key(district)
        for zh, en in self.pairs:
            if key in (district_key(zh), district_key(en)):
                return zh if locale == "zh_Hans" else en
        return district

    def spellings(self, district: str) -> set[str]:
        """Every compared form of the district: its own, and its pair's if known."""
        keys = {district_key(district)}
        for zh, en in self.pairs:
            pair = {district_key(zh), district_key(en)}
            if keys & pair:
                keys |= pair
        return keys


async def district_names(db: Database) -> DistrictNames:
    async with db.session() as session:
        return DistrictNames(tuple(await community_store.districts(session)))


def district_named(
    directory: Directory, text: str, names: DistrictNames | None = None
) -> str | None:
    """The list's district a person typed, in either language, with or without 区/District."""
    wanted = district_key(text)
    if not wanted:
        return None
    names = names or DistrictNames()
    for place in directory.places:
        if wanted in names.spellings(place.district):
            return place.district
    return None
