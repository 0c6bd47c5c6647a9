"""What can be wrong with a clinic list, as codes and parameters, and its explanation.

RowError and ClinicFileError carry stable codes, never sentences; the texts for each
code, per locale, are in content/clinics/import_messages.toml.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bot.clinics_import_schema import CONTENT_DIR
from bot.domain.validation_text import (
    InputError,
    ValidationTexts,
    explain,
    load_validation_texts,
)

MESSAGES_PATH = CONTENT_DIR / "import_messages.toml"
MAX_VALUE_SHOWN = 60  # characters of a bad value quoted back to the admin


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
