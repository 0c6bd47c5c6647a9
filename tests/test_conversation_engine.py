"""The one conversation engine, told through a questionnaire written as one module
(tests/questionnaire.py) and checked for every flow the bot installs.

A mother half-way through questions must never be trapped, misled by an old button,
or find a three-day-old question silently continued.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram import Update
from telegram.ext import Application

from bot import dialogs
from bot.app import FEATURES
from bot.clock import ManualClock
from bot.config import Settings
from bot.conversation.engine import (
    STALE_KEY,
    TOKEN,
    DialogButton,
    Flow,
    Step,
    install,
    opening_token,
)
from bot.devtools.harness import BotHarness, ChatUser
from bot.dialogs import DialogState
from tests import factories, questionnaire

PERSON = 7301


@pytest.fixture
async def bot(settings: Settings, clock: ManualClock) -> AsyncIterator[BotHarness]:
    async with BotHarness(settings, clock=clock, features=(*FEATURES, questionnaire.FEATURE)) as h:
        yield h


async def state_of(harness: BotHarness, user_id: int = PERSON) -> DialogState | None:
    async with harness.runtime.db.session() as session:
        return await dialogs.load(session, user_id)


def button_data(person: ChatUser, label: str) -> str:
    return next(
        b["callback_data"]
        for b in person.last_keyboard_message().inline_buttons
        if b["text"] == label
    )


async def test_the_questionnaire_asks_the_conditional_step_only_when_it_applies(
    bot: BotHarness,
) -> None:
    person = bot.user(PERSON, language_code="en")
    assert "What should I call you?" in (await person.send("/survey")).text
    assert (await person.send("Li")).buttons == ["Yes", "No"]
    assert "Thank you, Li. Hours: None." in (await person.press("No")).text
    assert await state_of(bot) is None

    await person.send("/survey")
    await person.send("Li")
    assert "How many hours?" in (await person.press("Yes")).text
    assert "number from 0 to 24" in (await person.send("many")).text  # re-asked, kept
    assert "Thank you, Li. Hours: 7." in (await person.send("7")).text


async def test_a_button_of_an_older_dialog_is_answered_and_changes_nothing(
    bot: BotHarness,
) -> None:
    person = bot.user(PERSON, language_code="en")
    await person.send("/survey")
    await person.send("Li")
    old_yes = button_data(person, "Yes")
    await person.send("/cancel")
    await person.send("/survey")
    await person.send("Wang")
    before = await state_of(bot)
    stale = await person.press("", data=old_yes)
    assert stale.answer_text == "This question has already been answered."
    assert stale.messages == []
    assert await state_of(bot) == before
    # and the question of the current dialog still works
    assert "Thank you, Wang" in (await person.press("No")).text


def test_a_dialog_reopened_by_the_same_update_keeps_its_token() -> None:
    # After a crash the update that opened a form may be handled again (its reply was out,
    # its mark not yet durable): the form it reopens must accept the taps on the one she sees.
    assert opening_token(Update(101), "report") == opening_token(Update(101), "report")
    assert opening_token(Update(102), "report") != opening_token(Update(101), "report")
    assert opening_token(Update(101), "note") != opening_token(Update(101), "report")


async def test_a_new_dialog_takes_its_token_from_the_update_that_opened_it(
    bot: BotHarness,
) -> None:
    person = bot.user(PERSON, language_code="en")
    await person.send("/survey")
    state = await state_of(bot)
    assert state is not None and len(state.data[TOKEN]) == 6
    await person.send("/cancel")
    await person.send("/survey")
    again = await state_of(bot)
    assert again is not None and again.data[TOKEN] != state.data[TOKEN]


@pytest.mark.parametrize("data", ["dl:", "dl:abc", "dl:t:s:v:extra", "dl:" + "x" * 70, "dlr:nope"])
async def test_a_malformed_dialog_button_is_answered_and_changes_nothing(
    bot: BotHarness, data: str
) -> None:
    person = bot.user(PERSON, language_code="en")
    await person.send("/survey")
    await person.send("Li")
    before = await state_of(bot)
    reply = await person.press("", data=data)
    assert reply.answer_text == "This button is no longer valid."
    assert reply.messages == []
    assert await state_of(bot) == before


async def test_cancel_in_the_middle_ends_the_dialog_and_the_menu_is_always_reachable(
    bot: BotHarness,
) -> None:
    person = bot.user(PERSON, language_code="en")
    await person.send("/survey")
    await person.send("Li")
    reply = await person.send("/cancel")
    assert "Cancelled. Everything you had already confirmed is kept." in reply.text
    assert await state_of(bot) is None
    assert (await person.press("Yes")).messages == []  # the cancelled dialog's button

    await person.send("/survey")
    menu = await person.send("📖 Guide")  # a menu button, typed where a name is asked
    assert "Thank you" not in menu.text and menu.buttons  # the guide's menu, not a name
    assert await state_of(bot) is None


async def test_an_expired_dialog_says_so_and_starts_again_keeping_what_was_confirmed(
    bot: BotHarness, clock: ManualClock, settings: Settings
) -> None:
    person = bot.user(PERSON, language_code="en")
    await person.send("/survey")
    await person.send("Li")
    yes = button_data(person, "Yes")
    clock.advance(hours=settings.dialog_expiry_hours + 1)
    async with bot.runtime.db.session() as session:  # no longer holds back a broadcast
        assert not await dialogs.in_conversation(
            session, PERSON, clock.now(), settings.dialog_expiry
        )
    expired = await person.press("", data=yes)
    assert "more than 72 hours ago, so I closed it" in expired.text
    assert expired.buttons == ["Start again"]
    assert "Thank you" not in expired.text  # the old answer was not taken
    start_again = button_data(person, "Start again")
    again = await person.send("no")  # answered as free text, not as the old question
    assert "so I closed it" not in again.text and "Thank you" not in again.text
    restarted = await person.press("", data=start_again)
    assert restarted.buttons == ["Yes", "No"]  # the name was kept: straight to the next one
    assert "Thank you, Li." in (await person.press("No")).text


async def test_an_expired_onboarding_resumes_the_first_unsaved_section(
    bot: BotHarness, clock: ManualClock, settings: Settings
) -> None:
    person = bot.user(PERSON, language_code="en")
    await person.send("/start")
    await person.press("English")
    await person.press("I agree")
    await person.press("I am pregnant")  # saved: pregnant; now asked how to date it
    clock.advance(hours=settings.dialog_expiry_hours + 1)
    expired = await person.press("My due date")
    assert "so I closed it" in expired.text
    restarted = await person.press("Start again")
    assert "My due date" in " ".join(restarted.buttons)  # not the language, not consent
    assert "I agree" not in " ".join(restarted.buttons)


# ----- what every installed flow gets, checked from its declarative definition ---------


FLOWS: list[Flow] = [flow for feature in FEATURES for flow in feature.flows]
STEPS = [(flow, step) for flow in FLOWS for step in flow.steps]


def test_every_flow_is_well_formed() -> None:
    assert {f.name for f in FLOWS} >= {"onboarding", "report"}
    for flow in FLOWS:
        names = flow.names()
        assert len(names) == len(set(names)), flow.name
        assert set(flow.entries.values()) <= set(names), flow.name
        for order in flow.sequences.values():
            assert set(order) <= set(names), flow.name
        for step in flow.steps:
            assert step.on_text or step.on_button, (flow.name, step.name)


def test_a_step_that_answers_old_presses_has_a_name_no_other_flow_uses() -> None:
    """An old press names its step, not its flow: `on_stale` is found by step name alone."""
    assert any(step.on_stale for _flow, step in STEPS)  # the report's checklists

    async def ask(*_: object) -> None:
        return None

    async def stale(*_: object) -> bool:
        return True

    mine = Flow("mine", (Step("shared", ask, on_button=ask, on_stale=stale),))
    other = Flow("other", (Step("shared", ask, on_button=ask),))
    with pytest.raises(ValueError, match="not unique"):
        install(Application.builder().token("1:x").build(), [mine, other])
    app = Application.builder().token("1:x").build()
    install(app, [mine, Flow("other", (Step("own", ask, on_button=ask),))])
    assert app.bot_data[STALE_KEY] == {"shared": stale}


@pytest.mark.parametrize(("flow", "step"), STEPS, ids=lambda x: getattr(x, "name", ""))
async def test_every_step_refuses_a_stale_button_and_says_when_it_expired(
    harness: BotHarness, clock: ManualClock, settings: Settings, flow: Flow, step: object
) -> None:
    name = step.name  # type: ignore[attr-defined]
    await factories.mother(harness.runtime.db, PERSON, community_code=None)
    person = harness.user(PERSON, language_code="en")
    await person.send("/guide")  # a keyboard to press a forged button on
    state = DialogState(flow.name, name, {TOKEN: "aaaaaa", "subject": "pregnancy"})
    async with harness.runtime.db.session() as session:
        await dialogs.save(session, PERSON, state, clock.now())
    stale = await person.press("", data=DialogButton("bbbbbb", name, "x").pack())
    assert stale.answer_text == "This question has already been answered."
    assert stale.messages == []
    assert await state_of(harness) == state

    clock.advance(hours=settings.dialog_expiry_hours + 1)
    reply = await person.send("hello")
    assert "so I closed it" in reply.text and "Start again" in reply.buttons
