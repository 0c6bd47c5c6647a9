"""Turning input-error codes into words, in the user's language.

Parsers and validators in the domain raise an `InputError` carrying a stable
code and the values the user is allowed to give (earliest date, smallest week
and so on). They never carry text: the explanations live in
content/validation.toml so that a health authority or translator can reword
them without touching code, and so one code means the same thing in every
language.

Templates use `str.format` fields, filled from the error's params. Dates and
gestational ages are passed as objects, so a template chooses its own
presentation, e.g. ``{earliest.year}年{earliest.month}月{earliest.day}日`` or
``{earliest:%Y-%m-%d}``; a `GestationalAge` prints as ``32+4``.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path

from bot.domain.locales import SUPPORTED_LOCALES

DEFAULT_LOCALE = "zh_Hans"
DEFAULT_PATH = Path(__file__).resolve().parents[2] / "content" / "validation.toml"

ValidationTexts = Mapping[str, Mapping[str, str]]


class InputError(ValueError):
    """Something the user typed that we cannot accept.

    `code` selects the explanation; `params` holds what is allowed, so the
    reply can say it ("between 4+0 and 44+0 weeks") instead of just "no".
    """

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params = params

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code!r}, **{self.params!r})"


def load_validation_texts(path: Path = DEFAULT_PATH) -> dict[str, dict[str, str]]:
    """Read the explanations and fail loudly on a malformed entry.

    A missing translation found at start-up is a content bug to fix; found
    while replying to a worried mother it would be a silent failure.
    """
    with path.open("rb") as handle:
        data = tomllib.load(handle)
    texts: dict[str, dict[str, str]] = {}
    for code, entry in data.items():
        if not isinstance(entry, dict):
            raise ValueError(f"{path}: {code!r} must be a table")
        for key in (*SUPPORTED_LOCALES, "source"):
            if not isinstance(entry.get(key), str) or not entry[key].strip():
                raise ValueError(f"{path}: {code!r} needs a non-empty {key!r} string")
        texts[code] = {key: value for key, value in entry.items() if isinstance(value, str)}
    return texts


def pick_locale(locale: str | None) -> str:
    """Map a Telegram-style language code ("en-GB", "zh-hans") to a content locale."""
    if locale in SUPPORTED_LOCALES:
        return locale
    base = (locale or "").replace("-", "_").split("_")[0].lower()
    for known in SUPPORTED_LOCALES:
        if known.split("_")[0].lower() == base:
            return known
    return DEFAULT_LOCALE


def explain(code: str, locale: str | None, texts: ValidationTexts, /, **params: object) -> str:
    """The explanation for `code` in `locale`, with its placeholders filled.

    An unknown code or a placeholder without a param raises `KeyError`: both
    are programming errors, and the content tests exist to catch them.
    """
    entry = texts[code]
    return entry[pick_locale(locale)].format_map(params)
