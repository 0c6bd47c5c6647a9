"""Every private message that is not a command comes through here, in this order:

1. claims asked before any dialog: words that must always work (STOP, 退订), a staff
   note being written, danger signs;
2. a main-menu button, which leaves any open dialog (the menu is always reachable);
3. the question of the dialog the person is in, if any;
4. the other free-text claims, by rank (massage and fever, then education topics);
5. a helpful answer, never silence.

The router knows no feature: bot/app.py builds it from the features' claims, menu items
and dialogs.
"""

from __future__ import annotations

from collections.abc import Iterable

from telegram import Update

from bot import dialogs
from bot.context import BotContext
from bot.conversation import engine
from bot.features import DialogHandler, Feature, Handler, TextHandler
from bot.keyboards import menu_item
from bot.observability.logging import bind


class Router:
    def __init__(self, features: Iterable[Feature], *, fallback: Handler) -> None:
        features = list(features)
        claims = sorted((c for f in features for c in f.claims), key=lambda c: c.rank)
        self.priority_text: list[TextHandler] = [c.handler for c in claims if c.before_dialogs]
        self.free_text: list[TextHandler] = [c.handler for c in claims if not c.before_dialogs]
        self.menu: dict[str, Handler] = {k: h for f in features for k, h in f.menu}
        self.dialogs: dict[str, DialogHandler] = {k: h for f in features for k, h in f.dialogs}
        self.flows = {flow.name for f in features for flow in f.flows}
        self.fallback = fallback

    async def on_message(self, update: Update, context: BotContext) -> None:
        for handler in self.priority_text:
            if await handler(update, context):
                return
        runtime = context.runtime
        message = update.effective_message
        item = menu_item(message.text, runtime.catalogs) if message and message.text else None
        if item is not None and item in self.menu:
            await engine.clear(context)
            await self.menu[item](update, context)
            return
        state = await engine.load(context)
        if state is not None and await self._dialog(update, context, state):
            return
        for text_handler in self.free_text:
            if await text_handler(update, context):
                return
        await self.fallback(update, context)

    async def _dialog(
        self, update: Update, context: BotContext, state: dialogs.DialogState
    ) -> bool:
        bind(flow=state.flow, step=state.step)
        if state.flow in self.flows:
            return await engine.on_message(update, context, state)
        handler = self.dialogs.get(state.flow)
        return handler is not None and await handler(update, context, state)
