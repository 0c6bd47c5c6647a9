"""The columns of a clinic list: which headings and type names mean which field.

The aliases (English and Chinese spellings) are data in content/clinics/columns.toml;
a heading matches whatever its spacing and case.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from bot.domain.clinics import PlaceType

CONTENT_DIR = Path(__file__).resolve().parents[1] / "content" / "clinics"
COLUMNS_PATH = CONTENT_DIR / "columns.toml"

FIELDS = (
    "id", "name", "type", "district", "address", "phone", "lat", "lon", "hours", "notes",
    "name_en", "address_en", "notes_en",
)
# The English columns are optional: a list published only in Chinese still imports, and
# an English reader then sees the published name rather than nothing.
OPTIONAL_FIELDS = frozenset({"phone", "notes", "name_en", "address_en", "notes_en"})
REQUIRED_FIELDS = tuple(f for f in FIELDS if f not in OPTIONAL_FIELDS)


def normalise_key(text: str) -> str:
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
            owner = aliases.setdefault(normalise_key(spelling), name)
            if owner != name:
                raise ValueError(f"{path}: {spelling!r} names both {owner!r} and {name!r}")
    return aliases


@cache
def default_schema() -> Schema:
    return load_schema()
