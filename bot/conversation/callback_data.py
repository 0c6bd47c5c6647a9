"""Typed callback data for inline buttons: declare once, pack when sending, unpack when pressed.

Telegram gives a button at most 64 bytes of ``callback_data`` and sends back whatever a
client puts there, so a pressed button is untrusted input. This codec (after aiogram 3's
``CallbackData``) turns a small frozen dataclass into ``prefix:field:field`` and back:

    @dataclass(frozen=True)
    class AlertButton(CallbackData, prefix="al"):
        action: str
        alert_id: int
        token: str | None = None

    data = AlertButton("ack", 42).pack()        # "al:ack:42:"
    AlertButton.unpack("al:ack:42:")          # AlertButton(action="ack", alert_id=42, token=None)
    AlertButton.unpack("al:ack:4²:")          # None
    CallbackQueryHandler(on_alert, pattern=AlertButton.pattern())

API
- ``class X(CallbackData, prefix="p")`` on a ``@dataclass(frozen=True)``: the prefix is 1-16
  ASCII letters, digits, ``_`` or ``-``; a second class with the same prefix is refused, so
  two features cannot answer each other's buttons.
- Field types: ``str``, ``int`` (signed 64-bit, written in canonical decimal: no ``+``, no
  leading zeros, no ``-0``), ``bool`` (``1``/``0``), an ``Enum`` whose values are ``str``,
  and any of these ``| None`` (``None`` is written as the empty field). A ``str`` field
  that is not optional must not be empty.
- ``pack() -> str`` raises ``CallbackDataError`` (a ``ValueError``) when a value holds the
  separator ``:``, has the wrong type, is out of range, or the result passes 64 bytes of
  UTF-8: the mistake shows when the button is built, not when it is pressed.
- ``unpack(data) -> X | None`` never raises, whatever ``data`` is (any object, any
  string): wrong prefix, wrong number of fields, non-ASCII digits such as ``'²'`` or
  ``'٣'``, numbers beyond 64 bits, empty strings, unknown enum values, more than 64
  bytes, unencodable text, or a ``__post_init__`` that refuses the values all give None.
  Whatever ``pack`` writes, ``unpack`` reads back equal.
- ``pattern() -> str``: the regular expression for ``CallbackQueryHandler(pattern=...)``.
"""

from __future__ import annotations

import dataclasses
import enum
import re
import types
import typing
from typing import Any, ClassVar, Self

MAX_BYTES = 64  # Telegram's limit on callback_data
SEPARATOR = ":"
INT_MIN, INT_MAX = -(2**63), 2**63 - 1

_PREFIX_RE = re.compile(r"[A-Za-z0-9_-]{1,16}", re.ASCII)
# Canonical decimal only: one spelling per number, and never Unicode digits ('²', '٣').
_INT_RE = re.compile(r"0|-?[1-9][0-9]*", re.ASCII)
_SCALARS = (str, int, bool)


class CallbackDataError(ValueError):
    """A button's data cannot be packed (a programming mistake, not a user's)."""


@dataclasses.dataclass(frozen=True)
class _Field:
    name: str
    kind: type  # str, int, bool or an Enum subclass
    optional: bool


class CallbackData:
    """Base class of every kind of button data; see the module docstring."""

    prefix: ClassVar[str]
    _fields: ClassVar[tuple[_Field, ...]]
    _registry: ClassVar[dict[str, type[CallbackData]]] = {}

    def __init_subclass__(cls, *, prefix: str, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not _PREFIX_RE.fullmatch(prefix):
            raise TypeError(f"callback prefix {prefix!r}: use 1-16 of A-Z a-z 0-9 _ -")
        owner = CallbackData._registry.get(prefix)
        if owner is not None and owner.__qualname__ != cls.__qualname__:
            raise TypeError(f"callback prefix {prefix!r} is already used by {owner.__name__}")
        CallbackData._registry[prefix] = cls
        cls.prefix = prefix
        cls._fields = ()  # filled on first use: the dataclass decorator runs after this hook

    @classmethod
    def _schema(cls) -> tuple[_Field, ...]:
        if not cls._fields:
            if not dataclasses.is_dataclass(cls):
                raise TypeError(f"{cls.__name__} must be a @dataclass(frozen=True)")
            hints = typing.get_type_hints(cls)
            cls._fields = tuple(
                _describe(field.name, hints[field.name]) for field in dataclasses.fields(cls)
            )
        return cls._fields

    @classmethod
    def pattern(cls) -> str:
        return f"^{re.escape(cls.prefix)}{SEPARATOR}"

    def pack(self) -> str:
        fields = [_encode(spec, getattr(self, spec.name)) for spec in self._schema()]
        data = self.prefix + SEPARATOR + SEPARATOR.join(fields)
        size = len(data.encode("utf-8", errors="replace"))
        if size > MAX_BYTES:
            raise CallbackDataError(
                f"{type(self).__name__}: {size} bytes of callback data, Telegram allows {MAX_BYTES}"
            )
        return data

    @classmethod
    def unpack(cls, data: object) -> Self | None:
        """The button's values, or None for anything this class did not pack."""
        if not isinstance(data, str) or not data:
            return None
        try:
            size = len(data.encode("utf-8"))
        except UnicodeEncodeError:  # lone surrogates
            return None
        if size > MAX_BYTES:
            return None
        prefix, _sep, rest = data.partition(SEPARATOR)
        if prefix != cls.prefix or not _sep:
            return None
        schema = cls._schema()
        values = rest.split(SEPARATOR) if schema else ([] if rest == "" else [rest])
        if len(values) != len(schema):
            return None
        decoded: dict[str, object] = {}
        for spec, text in zip(schema, values, strict=True):
            ok, value = _decode(spec, text)
            if not ok:
                return None
            decoded[spec.name] = value
        try:
            return cls(**decoded)
        except (TypeError, ValueError):
            return None


def _describe(name: str, hint: object) -> _Field:
    optional = False
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        if len(args) != 1 or len(typing.get_args(hint)) != 2:
            raise TypeError(f"field {name}: only 'X | None' unions are supported")
        hint, optional = args[0], True
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        if not all(isinstance(member.value, str) for member in hint):
            raise TypeError(f"field {name}: enum values must be str")
        return _Field(name, hint, optional)
    if hint in _SCALARS:
        return _Field(name, hint, optional)  # type: ignore[arg-type]
    raise TypeError(f"field {name}: {hint!r} is not str, int, bool, a str Enum or X | None")


def _encode(spec: _Field, value: object) -> str:
    where = f"field {spec.name}"
    if value is None:
        if not spec.optional:
            raise CallbackDataError(f"{where} is None but not optional")
        return ""
    if issubclass(spec.kind, enum.Enum):
        if not isinstance(value, spec.kind):
            raise CallbackDataError(f"{where}: expected {spec.kind.__name__}, got {value!r}")
        text = value.value
    elif spec.kind is bool:
        if not isinstance(value, bool):
            raise CallbackDataError(f"{where}: expected bool, got {value!r}")
        text = "1" if value else "0"
    elif spec.kind is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise CallbackDataError(f"{where}: expected int, got {value!r}")
        if not INT_MIN <= value <= INT_MAX:
            raise CallbackDataError(f"{where}: {value} does not fit in 64 bits")
        text = str(value)
    else:
        if not isinstance(value, str):
            raise CallbackDataError(f"{where}: expected str, got {value!r}")
        text = value
    if SEPARATOR in text:
        raise CallbackDataError(f"{where}: {text!r} holds the separator {SEPARATOR!r}")
    if text == "" and spec.kind is not int:
        # The empty field means None; a required value must be something.
        raise CallbackDataError(f"{where} is empty")
    return text


def _decode(spec: _Field, text: str) -> tuple[bool, object]:
    """(True, value), or (False, None) when ``text`` is not something ``_encode`` writes."""
    if text == "":
        return (True, None) if spec.optional else (False, None)
    if issubclass(spec.kind, enum.Enum):
        for member in spec.kind:
            if member.value == text:
                return True, member
        return False, None
    if spec.kind is bool:
        if text in ("0", "1"):
            return True, text == "1"
        return False, None
    if spec.kind is int:
        if not _INT_RE.fullmatch(text) or len(text) > 20:
            return False, None
        number = int(text)
        if not INT_MIN <= number <= INT_MAX:
            return False, None
        return True, number
    return True, text
