"""Communities: names in the user's language, nearest to a location, CSV import, and
the loaded list as conversations read it (one session per call; `Community` is
re-exported for the handlers' type hints)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from bot.domain.geo import nearest
from bot.runtime import Runtime
from storage import communities as store
from storage.models import Community

SAMPLE_FILE = Path(__file__).resolve().parents[1] / "content" / "communities" / "sample.csv"
COLUMNS = ("code", "name_zh", "name_en", "district_zh", "district_en", "latitude", "longitude")


def community_name(community: Community, locale: str) -> str:
    return community.name_zh if locale == "zh_Hans" else community.name_en


def district_name(district: tuple[str, str], locale: str) -> str:
    return district[0] if locale == "zh_Hans" else district[1]


def nearest_community(
    communities: list[Community], latitude: float, longitude: float
) -> tuple[Community, float] | None:
    located = [c for c in communities if c.latitude is not None and c.longitude is not None]
    found = nearest(located, latitude, longitude, 1, position=lambda c: (c.latitude, c.longitude))
    return found[0] if found else None


async def find(runtime: Runtime, code: str | None) -> Community | None:
    if not code:
        return None
    async with runtime.db.session() as session:
        return await session.get(Community, code)


async def districts(runtime: Runtime) -> list[tuple[str, str]]:
    """(Chinese name, English name) of every district, in a stable order."""
    async with runtime.db.session() as session:
        return await store.districts(session)


async def in_district(runtime: Runtime, index: int) -> list[Community] | None:
    """The communities of the district at `index` of `districts()`; None when there is
    no such district (the list changed since it was shown)."""
    async with runtime.db.session() as session:
        found = await store.districts(session)
        if index >= len(found):
            return None
        return list(await store.in_district(session, found[index][0]))


async def all_communities(runtime: Runtime) -> list[Community]:
    async with runtime.db.session() as session:
        return list(await store.all_communities(session))


async def names(runtime: Runtime, locale: str) -> dict[str, str]:
    """Every community's name in `locale`, by code."""
    return {c.code: community_name(c, locale) for c in await all_communities(runtime)}


@dataclass
class CommunityFileError(Exception):
    row: int
    reason: str

    def __str__(self) -> str:
        return f"row {self.row}: {self.reason}"


def read_communities(path: Path) -> list[Community]:
    """Read a community CSV (UTF-8, BOM allowed); any bad row rejects the whole file."""
    rows: list[Community] = []
    with path.open(encoding="utf-8-sig", newline="") as fp:
        reader = csv.DictReader(fp)
        missing = [c for c in COLUMNS[:5] if c not in (reader.fieldnames or [])]
        if missing:
            raise CommunityFileError(1, f"missing columns: {', '.join(missing)}")
        seen: set[str] = set()
        for number, row in enumerate(reader, start=2):
            code = (row.get("code") or "").strip()
            if not code or len(code) > 32 or code in seen:
                raise CommunityFileError(number, "code missing, too long or repeated")
            seen.add(code)
            names = {c: (row.get(c) or "").strip() for c in COLUMNS[1:5]}
            if not all(names.values()):
                raise CommunityFileError(number, "every name column needs a value")
            try:
                lat = float(row["latitude"]) if row.get("latitude") else None
                lon = float(row["longitude"]) if row.get("longitude") else None
            except ValueError as exc:
                raise CommunityFileError(number, "latitude/longitude must be numbers") from exc
            if (lat is not None and not -90 <= lat <= 90) or (
                lon is not None and not -180 <= lon <= 180
            ):
                raise CommunityFileError(number, "latitude/longitude out of range")
            rows.append(Community(code=code, latitude=lat, longitude=lon, **names))
    return rows
