"""What the fake Bot API records and how it is told to fail (see fake_telegram.py)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

# Parameters the Bot API receives as JSON-serialised strings in form data.
_JSON_PARAMS = {
    "reply_markup",
    "entities",
    "caption_entities",
    "allowed_updates",
    "commands",
    "media",
    "link_preview_options",
    "reply_parameters",
    "scope",
    "menu_button",
}
_NUMERIC_PARAMS = {
    "chat_id",
    "message_id",
    "offset",
    "limit",
    "timeout",
    "latitude",
    "longitude",
    "cache_time",
    "user_id",
    "max_connections",
}

BOT_ID = 7000000001


@dataclass
class ApiCall:
    """One request the bot made, as the server saw it."""

    method: str
    params: dict[str, Any]
    ok: bool = True
    status: int = 200
    result: Any = None
    at: float = field(default_factory=time.monotonic)

    @property
    def chat_id(self) -> int | None:
        value = self.params.get("chat_id")
        return int(value) if value is not None else None

    @property
    def text(self) -> str:
        for key in ("text", "caption", "title"):
            if key in self.params:
                return str(self.params[key])
        return ""

    @property
    def reply_markup(self) -> dict[str, Any] | None:
        return self.params.get("reply_markup")

    @property
    def inline_buttons(self) -> list[dict[str, Any]]:
        markup = self.reply_markup or {}
        return [b for row in markup.get("inline_keyboard", []) for b in row]

    @property
    def keyboard_buttons(self) -> list[dict[str, Any]]:
        markup = self.reply_markup or {}
        return [
            b if isinstance(b, dict) else {"text": b}
            for row in markup.get("keyboard", [])
            for b in row
        ]

    def __repr__(self) -> str:
        return f"ApiCall({self.method}, chat={self.chat_id}, text={self.text[:60]!r})"


@dataclass
class Failure:
    """A scripted failure for the next `times` matching calls."""

    method: str | None
    chat_id: int | None
    times: int
    status: int = 500
    retry_after: int | None = None
    description: str = "Internal Server Error"
    delay: float = 0.0
    disconnect: bool = False

    def matches(self, method: str, params: dict[str, Any]) -> bool:
        if self.method is not None and self.method != method:
            return False
        return self.chat_id is None or params.get("chat_id") == self.chat_id
