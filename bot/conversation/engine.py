"""The one conversation engine: every multi-step dialog is a `Flow` of declarative `Step`s.

After python-telegram-bot's ``ConversationHandler`` (a flow is one table of steps, with
named entry points and a timeout) and aiogram 3's FSM (state in a pluggable store, read
under a per-chat lock), but the state is ours: one row per person in the dialogs table,
saved after every step, read and written under the per-person lock of bot/processing.
So a restart, or another worker taking the next update, resumes the very question.

What every flow gets from here, without writing it again:
- a per-dialog token on every button (``DialogButton``, the typed callback codec): a
  press on an older question, an older dialog or forged data is answered and changes
  nothing (a step may still answer such a press itself, ``Step.on_stale``: a danger sign
  ticked on an old form is not "already answered"). The token comes from the update that
  opened the dialog, so when a crash makes that update be handled again
  (docs/exactly-once.md: the replies in hand may repeat) the form it reopens is the one
  she already sees, and her taps on it still count;
- an expiry (``settings.dialog_expiry``, RapidPro's flow expiry): a dialog left longer
  says so (once) and offers to start again, keeping what was confirmed; the message that
  found it expired is answered as free text, never as a days-old answer;
- conditional steps (``Step.when``) and a typed-text / button / keyboard choice per step;
- /cancel and the main menu stay reachable (the router checks both before the flow).

A step's ``ask`` sends the question; ``on_text`` takes a typed message; ``on_button``
takes a pressed value. They move on with `go`, `reask` or `proceed`. A new
questionnaire is one module that builds a `Flow` from such steps; bot/app.py installs
the flows of every feature with `install`.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application

from bot import dialogs
from bot.context import BotContext
from bot.conversation.callback_data import CallbackData
from bot.conversation.chat import send_to_chat as send
from bot.dialogs import DialogState

FLOWS_KEY = "conversation_flows"  # bot_data key of the installed flows, by name
STALE_KEY = "conversation_stale"  # bot_data key of the steps' `on_stale`, by step name
TOKEN = "t"  # state.data key of the per-dialog token
EXPIRED = "expired"  # state.data key set once the person has been told it expired
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

Ask = Callable[[Update, BotContext, DialogState], Awaitable[None]]
# A typed answer; returning False says "not an answer here": the router carries on.
OnText = Callable[[Update, BotContext, DialogState], Awaitable[bool | None]]
OnButton = Callable[[Update, BotContext, DialogState, str], Awaitable[None]]
# A press of this step's button on a dialog no longer open there: True when it answered it.
OnStale = Callable[[Update, BotContext, str], Awaitable[bool]]
Condition = Callable[[dict[str, Any]], bool]
Restart = Callable[[Update, BotContext, DialogState], Awaitable[None]]


@dataclass(frozen=True)
class DialogButton(CallbackData, prefix="dl"):
    """A button of the question `step` in the dialog whose token is `token`."""

    token: str
    step: str
    value: str | None = None


@dataclass(frozen=True)
class RestartButton(CallbackData, prefix="dlr"):
    """"Start again" under an expired dialog of `flow`."""

    flow: str


@dataclass(frozen=True)
class Step:
    """One question: how to ask it and what to do with its answer."""

    name: str
    ask: Ask
    on_text: OnText | None = None  # None: only a button answers (a text is re-asked)
    on_button: OnButton | None = None
    when: Condition | None = None  # asked only when this holds for the answers so far
    keep_keyboard: bool = False  # True: the step edits its own keyboard (a checklist)
    key: str | None = None  # where its answer is kept in state.data (restart skips it)
    # A press on this step's buttons when its dialog is gone or elsewhere (see `on_callback`).
    # A button names its step, not its flow: such a step's name is unique over all flows.
    on_stale: OnStale | None = None


@dataclass(frozen=True)
class Flow:
    """A dialog: its steps, its named entry points, and how it starts again."""

    name: str
    steps: tuple[Step, ...]
    entries: Mapping[str, str] = field(default_factory=dict)  # entry name -> first step
    # Named orders of steps (the report asks one about her pregnancy, another about a child).
    sequences: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    restart: Restart | None = None  # default: the first unanswered step, answers kept
    takes_locations: bool = True  # False: a shared location goes to the free-text claims

    def step(self, name: str) -> Step | None:
        return next((s for s in self.steps if s.name == name), None)

    def names(self) -> list[str]:
        return [s.name for s in self.steps]


def install(application: Application[Any, Any, Any, Any, Any, Any], flows: Iterable[Flow]) -> None:
    """Make `flows` known to the engine (bot/app.py, once); two flows may not share a name."""
    table: dict[str, Flow] = {}
    for flow in flows:
        if flow.name in table:
            raise ValueError(f"two flows are called {flow.name!r}")
        names = flow.names()
        if len(set(names)) != len(names):
            raise ValueError(f"flow {flow.name!r} has two steps with one name")
        table[flow.name] = flow
    stale: dict[str, OnStale] = {}
    for flow in table.values():
        for step in flow.steps:
            if step.on_stale is None:
                continue
            if any(step.name in other.names() for other in table.values() if other is not flow):
                raise ValueError(f"step {step.name!r} answers old presses but is not unique")
            stale[step.name] = step.on_stale
    application.bot_data[FLOWS_KEY] = table
    application.bot_data[STALE_KEY] = stale


def flow_named(context: BotContext, name: str) -> Flow | None:
    flows: dict[str, Flow] = context.application.bot_data.get(FLOWS_KEY, {})
    return flows.get(name)


def _flow(context: BotContext, state: DialogState) -> Flow:
    flow = flow_named(context, state.flow)
    if flow is None:
        raise LookupError(f"flow {state.flow!r} is not installed")
    return flow


def new_dialog(flow: str, data: dict[str, Any] | None = None) -> DialogState:
    """A fresh dialog of `flow`; `go` gives it its own token (older buttons stop working)."""
    return DialogState(flow, "", {k: v for k, v in (data or {}).items() if k != TOKEN})


def opening_token(update: Update, flow: str) -> str:
    """The token of a dialog opened by `update`: the same each time that update is handled.

    Not a secret: it only tells this dialog's buttons from older ones (a person forging
    one can only press her own form)."""
    return hashlib.sha256(f"{update.update_id}:{flow}".encode()).hexdigest()[:6]


async def load(context: BotContext) -> DialogState | None:
    async with context.runtime.db.session() as session:
        return await dialogs.load(session, context.account.id)


async def save(context: BotContext, state: DialogState) -> None:
    runtime = context.runtime
    state.data.setdefault(TOKEN, secrets.token_hex(3))
    async with runtime.db.session() as session:
        await dialogs.save(session, context.account.id, state, runtime.clock.now())


async def clear(context: BotContext) -> bool:
    async with context.runtime.db.session() as session:
        return await dialogs.clear(session, context.account.id)


async def clear_flow(context: BotContext, flow: str) -> None:
    """Close the person's dialog if it is `flow` (another dialog she is in stays)."""
    async with context.runtime.db.session() as session:
        state = await dialogs.load(session, context.account.id)
        if state is not None and state.flow == flow:
            await dialogs.clear(session, context.account.id)


async def go(update: Update, context: BotContext, state: DialogState, step: str) -> None:
    """Move to `step`, persist, and ask its question."""
    found = _flow(context, state).step(step)
    if found is None:
        raise LookupError(f"flow {state.flow!r} has no step {step!r}")
    state.step = step
    state.data.setdefault(TOKEN, opening_token(update, state.flow))
    await save(context, state)
    await found.ask(update, context, state)


async def enter(
    update: Update, context: BotContext, state: DialogState, entry: str
) -> None:
    """Go to the first step of the named entry point (an onboarding section...)."""
    await go(update, context, state, _flow(context, state).entries[entry])


async def reask(update: Update, context: BotContext, state: DialogState, problem: str) -> None:
    """Say what was wrong and ask the same question again; nothing entered is lost."""
    await send(update, context, problem)
    step = _flow(context, state).step(state.step)
    if step is not None:
        await step.ask(update, context, state)


def next_step(
    state: DialogState, order: Sequence[str], after: str, flow: Flow
) -> str | None:
    """The first step of `order` after `after` whose condition holds, or None at the end."""
    start = order.index(after) + 1 if after in order else 0
    for name in order[start:]:
        step = flow.step(name)
        if step is not None and (step.when is None or step.when(state.data)):
            return name
    return None


async def proceed(
    update: Update, context: BotContext, state: DialogState, order: Sequence[str], after: str
) -> bool:
    """Ask the next step of `order` after `after`; False when none is left (finish then)."""
    name = next_step(state, order, after, _flow(context, state))
    if name is None:
        return False
    await go(update, context, state, name)
    return True


def button(label: str, state: DialogState, step: str, value: str = "") -> InlineKeyboardButton:
    """A button of this dialog's question `step` (its token makes older ones harmless)."""
    data = DialogButton(str(state.data.get(TOKEN) or "-"), step, value or None).pack()
    return InlineKeyboardButton(label, callback_data=data)


def keyboard(*rows: list[InlineKeyboardButton]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([list(r) for r in rows if r])


def is_expired(context: BotContext, state: DialogState) -> bool:
    if state.updated_at is None:
        return False
    runtime = context.runtime
    return dialogs.expired(state.updated_at, runtime.clock.now(), runtime.settings.dialog_expiry)


async def _say_expired(update: Update, context: BotContext, state: DialogState) -> None:
    """Tell her the dialog is over and offer to start again; the row keeps its old time
    (so it no longer holds back follow-ups or broadcasts) and what she confirmed."""
    _ = context.tr.gettext
    state.data[EXPIRED] = True
    async with context.runtime.db.session() as session:
        await dialogs.save(session, context.account.id, state, state.updated_at or EPOCH)
    hours = round(context.runtime.settings.dialog_expiry.total_seconds() / 3600)
    await send(
        update,
        context,
        _(
            "We stopped in the middle of a conversation more than {hours} hours ago, so I "
            "closed it. What you had already confirmed is kept. Press the button to start "
            "again."
        ).format(hours=hours),
        keyboard(
            [
                InlineKeyboardButton(
                    _("Start again"), callback_data=RestartButton(state.flow).pack()
                )
            ]
        ),
    )


async def on_message(update: Update, context: BotContext, state: DialogState) -> bool:
    """A message while a dialog is open (the router's flow lane); False: not ours."""
    flow = _flow(context, state)
    message = update.effective_message
    if message is None:
        return False
    if message.location is not None and not flow.takes_locations:
        return False  # not an answer here: perhaps the clinic finder's
    if state.data.get(EXPIRED) or is_expired(context, state):
        # Said once; the message itself is then answered as if no dialog were open (it
        # is not taken as an answer to a days-old question, nor left unanswered).
        if not state.data.get(EXPIRED):
            await _say_expired(update, context, state)
        return False
    step = flow.step(state.step)
    if step is None:
        return False
    if step.on_text is None or (not flow.takes_locations and not message.text):
        await reask(
            update, context, state, context.tr.gettext("Please choose one of the buttons below.")
        )
        return True
    return await step.on_text(update, context, state) is not False


async def on_callback(update: Update, context: BotContext) -> None:
    """Every dialog button: checked against the open dialog, answered whatever it holds."""
    query = update.callback_query
    assert query is not None
    _ = context.tr.gettext
    pressed = DialogButton.unpack(query.data)
    if pressed is None:
        await query.answer(_("This button is no longer valid."))
        return
    state = await load(context)
    flow = flow_named(context, state.flow) if state is not None else None
    step = flow.step(pressed.step) if flow is not None else None
    if (
        state is None
        or step is None
        or step.on_button is None
        or state.data.get(TOKEN) != pressed.token
        or state.step != pressed.step
    ):
        if not await _stale(update, context, pressed):
            await query.answer(_("This question has already been answered."))
        return
    await query.answer()
    if state.data.get(EXPIRED) or is_expired(context, state):
        await _say_expired(update, context, state)
        return
    if not step.keep_keyboard and query.message is not None:
        await query.edit_message_reply_markup(None)
    await step.on_button(update, context, state, pressed.value or "")


async def _stale(update: Update, context: BotContext, pressed: DialogButton) -> bool:
    """Let the pressed button's step answer a press its dialog no longer expects."""
    table: dict[str, OnStale] = context.application.bot_data.get(STALE_KEY, {})
    on_stale = table.get(pressed.step)
    return on_stale is not None and await on_stale(update, context, pressed.value or "")


async def on_restart(update: Update, context: BotContext) -> None:
    """"Start again" under an expired dialog: a new token, what was confirmed kept."""
    query = update.callback_query
    assert query is not None
    pressed = RestartButton.unpack(query.data)
    flow = flow_named(context, pressed.flow) if pressed is not None else None
    if flow is None:
        await query.answer(context.tr.gettext("This button is no longer valid."))
        return
    await query.answer()
    if query.message is not None:
        await query.edit_message_reply_markup(None)
    old = await load(context)
    kept = dict(old.data) if old is not None and old.flow == flow.name else {}
    kept.pop(EXPIRED, None)
    kept.pop(TOKEN, None)
    state = new_dialog(flow.name, kept)
    if flow.restart is not None:
        await flow.restart(update, context, state)
        return
    await start_first_unanswered(update, context, flow, state)


async def start_first_unanswered(
    update: Update, context: BotContext, flow: Flow, state: DialogState
) -> None:
    """The default restart: the first step (whose condition holds) not yet answered."""
    for step in flow.steps:
        if step.when is not None and not step.when(state.data):
            continue
        if step.key is None or step.key not in state.data:
            await go(update, context, state, step.name)
            return
    await go(update, context, state, flow.steps[-1].name)
