"""The callback context every handler receives.

The identify handler (group -1) fills `account` and `tr` once per update, so
each feature handler starts with the user's row and their language at hand.
"""

from __future__ import annotations

from typing import Any

from telegram.ext import Application, CallbackContext, ExtBot

from bot.i18n import Translator
from bot.runtime import Runtime
from storage.models import User


class BotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    account: User
    tr: Translator

    @property
    def runtime(self) -> Runtime:
        return runtime_of(self.application)


def runtime_of(application: Application[Any, Any, Any, Any, Any, Any]) -> Runtime:
    return application.bot_data["runtime"]  # type: ignore[no-any-return]
