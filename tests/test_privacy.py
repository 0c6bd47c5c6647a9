"""Seeing, deleting and pausing: what a person controls about their data."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select

from bot.devtools.harness import BotHarness
from storage.models import (
    Child,
    Counter,
    Dialog,
    Outbox,
    Profile,
    ProfileChange,
    Report,
    User,
)
from tests import factories


@pytest.fixture
async def ledger(harness: BotHarness) -> BotHarness:
    db = harness.runtime.db
    await factories.community(db, "DC01")
    await factories.staff(db, 901, ["DC01"], display_name="Worker Wang")
    await factories.staff(db, 902, ["DC01"], display_name="Worker Li")
    await factories.mother(
        db, 401, community_code="DC01", display_name="Lin Mei", week=33, risk_colour="red"
    )
    async with db.session() as session:
        session.add(User(id=901, chat_id=901, locale="en"))
        session.add(
            Report(user_id=401, subject="pregnancy", data={"temperature_c": 37.0}, level="routine")
        )
    return harness


async def test_mydata_sends_everything_stored_as_json(ledger: BotHarness) -> None:
    mother = ledger.user(401, language_code="en")
    reply = await mother.send("/mydata")
    [document] = [c for c in reply.calls if c.method == "sendDocument"]
    data = json.loads(document.params["document"]["content"])
    assert document.params["document"]["filename"].endswith(".json")
    assert data["profile"]["display_name"] == "Lin Mei"
    assert data["profile"]["risk_colour"] == "red"
    assert data["reports"][0]["data"] == {"temperature_c": 37.0}
    assert data["user"]["id"] == 401


async def test_delete_needs_confirmation(ledger: BotHarness) -> None:
    mother = ledger.user(401, language_code="en")
    await mother.send("/delete")
    reply = await mother.press("No")
    assert "Nothing was deleted" in reply.text
    async with ledger.runtime.db.session() as session:
        assert await session.get(Profile, 401) is not None


async def test_delete_erases_the_person_and_tells_the_assigned_staff(ledger: BotHarness) -> None:
    mother = ledger.user(401, language_code="zh-hans")
    await mother.send("/delete")
    reply = await mother.press("全部删除")
    assert "已删除" in reply.text
    async with ledger.runtime.db.session() as session:
        for model, column in (
            (Profile, Profile.user_id),
            (Report, Report.user_id),
            (Child, Child.user_id),
            (ProfileChange, ProfileChange.user_id),
            (Dialog, Dialog.user_id),
            (User, User.id),
        ):
            assert (await session.exec(select(model).where(column == 401))).all() == []
        notices = (await session.exec(select(Outbox).where(Outbox.kind == "notice"))).all()
        counter = await session.get(Counter, "profiles_deleted")
    assert sorted(n.chat_id for n in notices) == [901, 902]
    by_chat = {n.chat_id: n.payload["text"] for n in notices}
    # In the staff member's language, and naming nobody: her name must not outlive her data.
    assert "Someone in your community has deleted their data" in by_chat[901]
    assert all("Lin Mei" not in text and "401" not in text for text in by_chat.values())
    assert counter is not None and counter.value == 1


async def test_stop_in_the_middle_of_onboarding_pauses_and_leaves_the_conversation(
    harness: BotHarness,
) -> None:
    mother = harness.user(402, language_code="en")
    await mother.send("/start")
    await mother.press("English")
    await mother.press("I agree")
    await mother.press("I am pregnant")
    reply = await mother.send("/stop")
    assert "you will not receive scheduled messages" in reply.text
    async with harness.runtime.db.session() as session:
        assert await session.get(Dialog, 402) is None
        profile = await session.get(Profile, 402)
    assert profile is not None and profile.paused and profile.pregnant


@pytest.mark.parametrize("word", ["STOP", "stop", "退订", "取消订阅", " Stop! "])
async def test_stop_words_work_whatever_the_person_is_doing(harness: BotHarness, word: str) -> None:
    mother = harness.user(403, language_code="zh-hans")
    await mother.send("/start")
    await mother.press("中文")
    await mother.press("同意")
    await mother.press("我怀孕了")
    await mother.press("孕周")
    reply = await mother.send(word)
    assert "暂停" in reply.text
    async with harness.runtime.db.session() as session:
        profile = await session.get(Profile, 403)
        assert await session.get(Dialog, 403) is None
    assert profile is not None and profile.paused


async def test_start_again_resumes_messages(ledger: BotHarness) -> None:
    mother = ledger.user(401, language_code="en")
    await mother.send("STOP")
    reply = await mother.send("/start")
    assert "Welcome back" in reply.text
    async with ledger.runtime.db.session() as session:
        profile = await session.get(Profile, 401)
    assert profile is not None and not profile.paused


async def test_pregnancy_loss_stops_pregnancy_content_kindly(ledger: BotHarness) -> None:
    mother = ledger.user(401, language_code="en")
    await mother.send("/me")
    await mother.press("My pregnancy has ended")
    reply = await mother.press("I lost my pregnancy")
    assert "so sorry for your loss" in reply.text
    assert "12356" in reply.text and "120" in reply.text
    async with ledger.runtime.db.session() as session:
        profile = await session.get(Profile, 401)
    assert profile is not None
    assert (profile.pregnant, profile.pregnancy_outcome) == (False, "loss")
    me = await mother.send("/me")
    assert "Pregnant" not in me.text and "pregnancy has ended" not in me.text


async def test_a_birth_leads_to_adding_the_baby(ledger: BotHarness) -> None:
    mother = ledger.user(401, language_code="en")
    await mother.send("/me")
    await mother.press("My pregnancy has ended")
    reply = await mother.press("My baby was born")
    assert "Congratulations" in reply.text and "birth date" in reply.text
    await mother.send("2026-11-28")
    await mother.press("Skip")
    await mother.press("Done")
    async with ledger.runtime.db.session() as session:
        profile = await session.get(Profile, 401)
        children = (await session.exec(select(Child).where(Child.user_id == 401))).all()
    assert profile is not None and profile.parent and profile.pregnancy_outcome == "birth"
    assert len(children) == 1
