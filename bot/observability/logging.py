"""Logs that are private at every level, structured, and bound to the update in hand.

Every record passes `PrivacyFilter` before any handler formats it. The filter works
by allowlist, not by guessing what is personal:

- the message template (`record.msg`) is kept: it is a constant written by a developer;
- arguments are kept only when they are known to be safe: small numbers (row ids,
  counts, ports, seconds), Bot API method names, and our own short ASCII words;
  anything else (names, phones, texts, chat and user ids, whole request payloads that
  python-telegram-bot and httpx log at DEBUG) becomes `‹…›`;
- a message that arrives already formatted (no arguments), and every exception
  message, is scrubbed: digit runs, quoted and bracketed parts, non-ASCII text and
  whatever follows "parameters" are removed. Exception types and stack frames stay.

A person appears in logs only as `user=<keyed hash>` (HMAC-SHA256 with LOG_HASH_KEY),
bound with `update_id`, `flow` and `step` through contextvars (`bind`, `bound`, and
`bot.observability.processing.handling` around each update).
"""

from __future__ import annotations

import contextvars
import hashlib
import hmac
import json
import logging
import re
import secrets
import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import cache
from typing import IO, Any

from bot.config import Settings, reveal

REDACTED = "‹…›"
# Loggers whose argument strings we wrote ourselves; every other logger's are withheld.
OWN_LOGGERS = ("bot", "storage", "__main__")
SMALL_NUMBER = 1_000_000  # row ids, ports, counts; Telegram ids and phones are larger

_fields: dict[str, contextvars.ContextVar[Any]] = {
    name: contextvars.ContextVar(f"log_{name}", default=None)
    for name in ("update_id", "flow", "step", "user")
}
_hash_key: bytes = secrets.token_bytes(32)

_ANY_SPEC = re.compile(r"%[-#0 +]*\d*(?:\.\d+)?[sdifrxXeEgGcou]")
_SAFE_WORD = re.compile(r"^[A-Za-z0-9_.:/-]{1,40}$")
_SCRUB = [
    re.compile(r"(?is)(parameters|params|payload|data|text|body|detail)\b.*$"),
    re.compile(r"'[^']*'|\"[^\"]*\"|`[^`]*`"),
    re.compile(r"\([^)]*\)|\[[^\]]*\]|\{[^}]*\}"),
    re.compile(r"[^\x00-\x7f]+"),
    re.compile(r"\+?\d[\d\s-]{3,}\d"),
    re.compile(r"\d{5,}"),
]


@cache
def bot_api_methods() -> frozenset[str]:
    """Bot API method names (sendMessage, getUpdates…): safe to show in PTB's debug lines."""
    from telegram import Bot

    return frozenset(n for n in dir(Bot) if n[:1].islower() and any(c.isupper() for c in n))


def scrub(text: str) -> str:
    """Remove whatever could be a value from text we did not write ourselves."""
    for pattern in _SCRUB:
        text = pattern.sub(REDACTED, text)
    return text[:300]


def user_hash(user_id: int | None) -> str | None:
    """The stand-in for a user id in logs: keyed, so it cannot be reversed by trying ids."""
    if user_id is None:
        return None
    digest = hmac.new(_hash_key, str(user_id).encode(), hashlib.sha256).hexdigest()
    return digest[:16]


def _safe_arg(value: object, own: bool) -> object:
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float):
        return value if abs(value) < SMALL_NUMBER else REDACTED
    if isinstance(value, str):
        if value in bot_api_methods():
            return value
        if own and _SAFE_WORD.match(value) and not re.search(r"\d{5,}", value):
            return value
    return REDACTED


class PrivacyFilter(logging.Filter):
    """Rewrites each record so only allowlisted content reaches any handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "_private", False):
            return True
        own = record.name.split(".")[0] in OWN_LOGGERS
        if record.args:
            args = record.args if isinstance(record.args, tuple) else (record.args,)
            safe = tuple(_safe_arg(a, own) for a in args)
            template = str(record.msg)
            try:
                record.msg = template % safe
            except (TypeError, ValueError, KeyError):
                try:  # a %d or %.1f given ‹…›: show every argument as %s instead
                    record.msg = _ANY_SPEC.sub("%s", template) % safe
                except (TypeError, ValueError, KeyError):
                    record.msg = scrub(template)
        else:
            record.msg = scrub(str(record.msg))
        record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = _safe_traceback(record.exc_info[1])
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = scrub(record.exc_text)
        record.stack_info = None
        for name, var in _fields.items():
            setattr(record, name, var.get())
        record._private = True
        return True


def _safe_traceback(error: BaseException) -> str:
    """Exception types and frames, with every exception message scrubbed."""
    lines: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        frames = traceback.extract_tb(current.__traceback__)
        block = [f'  File "{f.filename}", line {f.lineno}, in {f.name}' for f in frames]
        kind = f"{type(current).__module__}.{type(current).__qualname__}"
        block.append(f"{kind}: {scrub(str(current))}")
        lines = [*block, *lines]
        current = current.__cause__ or current.__context__
    return "Traceback (most recent call last):\n" + "\n".join(lines)


class JsonFormatter(logging.Formatter):
    """One JSON object a line, for a log collector."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for name in _fields:
            value = getattr(record, name, None)
            if value is not None:
                entry[name] = value
        if record.exc_text:
            entry["exc"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """Readable on a terminal: time, level, logger, bound fields, message."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s%(bound)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        bound = " ".join(
            f"{name}={getattr(record, name)}"
            for name in _fields
            if getattr(record, name, None) is not None
        )
        record.bound = f" [{bound}]" if bound else ""
        return super().format(record)


def configure_logging(
    settings: Settings, *, level: int | str | None = None, stream: IO[str] | None = None
) -> logging.Handler:
    """Replace the root handlers with one private, structured handler. Returns it."""
    global _hash_key
    key = reveal(settings.log_hash_key)
    if key:
        _hash_key = key.encode()
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.addFilter(PrivacyFilter())
    handler.setFormatter(JsonFormatter() if settings.log_format == "json" else TextFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level if level is not None else settings.log_level)
    # Engines are created with echo off; SQL at DEBUG would still print statement
    # parameters through this logger, so it stays at WARNING whatever the level.
    logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)
    return handler


def bind(**values: Any) -> None:
    """Bind update_id, flow, step or user (a raw id: it is hashed here) to later lines."""
    for name, value in values.items():
        if name == "user" and value is not None:
            value = user_hash(int(value))
        _fields[name].set(value)


@contextmanager
def bound(**values: Any) -> Iterator[None]:
    """`bind` for the duration of a block, then restore what was bound before."""
    tokens = []
    for name, value in values.items():
        if name == "user" and value is not None:
            value = user_hash(int(value))
        tokens.append((_fields[name], _fields[name].set(value)))
    try:
        yield
    finally:
        for var, token in reversed(tokens):
            var.reset(token)
