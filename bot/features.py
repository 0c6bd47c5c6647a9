"""What a feature adds to the bot, as one declarative unit (after aiogram 3's routers).

Each feature module exports one `Feature`; bot/app.py lists the features in order and
is the only place that turns them into python-telegram-bot handlers. Nothing registers
itself by being imported, so the list in bot/app.py is the whole bot.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from telegram import Update

from bot.context import BotContext
from bot.conversation.engine import Flow
from bot.dialogs import DialogState

Handler = Callable[[Update, BotContext], Awaitable[None]]
# Returns True when it answered the message (nobody else then sees it).
TextHandler = Callable[[Update, BotContext], Awaitable[bool]]
# A message while a dialog that is not on the engine waits; True when it was an answer.
DialogHandler = Callable[[Update, BotContext, DialogState], Awaitable[bool]]


@dataclass(frozen=True)
class Claim:
    """A claim on free text: lower ranks ask first; `before_dialogs` claims are asked even
    before an open dialog's question (opt-out words, danger signs)."""

    handler: TextHandler
    rank: int
    before_dialogs: bool = False


@dataclass(frozen=True)
class Feature:
    name: str
    commands: tuple[tuple[str, Handler], ...] = ()  # /command -> handler (private chats)
    callbacks: tuple[tuple[str, Handler], ...] = ()  # callback-data pattern -> handler
    flows: tuple[Flow, ...] = ()  # dialogs on the conversation engine
    dialogs: tuple[tuple[str, DialogHandler], ...] = ()  # single-question dialogs, by flow
    menu: tuple[tuple[str, Handler], ...] = ()  # main-menu msgid -> handler
    claims: tuple[Claim, ...] = ()


def prefix_pattern(prefix: str) -> str:
    """The pattern of a feature's callback data "<prefix>:…"."""
    return rf"^{prefix}:"
