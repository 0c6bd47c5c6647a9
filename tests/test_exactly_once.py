"""Each update handled once, in order per person; bad input answered, never fatal.

In-process stories over the real stack (fault tests with real processes and
kill -9 live in tests/faults)."""

from __future__ import annotations

import asyncio
import time

import aiohttp
import pytest
from sqlmodel import select

from bot.config import ConfigError, load_settings
from bot.devtools.harness import BotHarness
from storage.models import Dialog, InboxUpdate, User
from tests.conftest import POSTGRES_URL


def _message(user_id: int, text: str, *, chat_type: str = "private") -> dict:
    chat_id = user_id if chat_type == "private" else -100123
    message = {
        "message_id": 1,
        "date": int(time.time()),
        "chat": {"id": chat_id, "type": chat_type, "title": "group"},
        "from": {"id": user_id, "is_bot": False, "first_name": "A", "language_code": "en"},
        "text": text,
    }
    if text.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text)}]
    return message


async def _post(harness: BotHarness, body: object, *, raw: bytes | None = None) -> int:
    settings = harness.runtime.settings
    assert settings.webhook_url is not None
    headers = {"X-Telegram-Bot-Api-Secret-Token": "harness-secret"}
    async with aiohttp.ClientSession() as client:
        if raw is not None:
            response = await client.post(settings.webhook_url, data=raw, headers=headers)
        else:
            response = await client.post(settings.webhook_url, json=body, headers=headers)
        async with response:
            return response.status


async def test_the_same_update_posted_three_times_is_answered_once(settings, clock) -> None:
    async with BotHarness(settings, clock=clock, webhook=True) as harness:
        update = {"update_id": harness.telegram.next_update_id(), "message": _message(501, "/help")}
        statuses = await asyncio.gather(*[_post(harness, update) for _ in range(3)])
        assert statuses == [200, 200, 200]  # Telegram must not retry a duplicate forever
        await harness.tracker.wait(update["update_id"])
        await asyncio.sleep(0.3)
        assert len([c for c in harness.telegram.sent_to(501) if "What I can do" in c.text]) == 1
        async with harness.runtime.db.session() as session:
            row = await session.get(InboxUpdate, update["update_id"])
        assert row is not None and row.status == "done" and row.payload == {}  # text not kept


@pytest.mark.parametrize(
    "body",
    [b"not json", b"[1, 2]", b'{"hello": 1}', b'{"update_id": "7"}', b'{"update_id": 1.5}'],
)
async def test_a_body_that_is_not_an_update_gets_400(settings, clock, body: bytes) -> None:
    async with BotHarness(settings, clock=clock, webhook=True) as harness:
        assert await _post(harness, None, raw=body) == 400


def test_webhook_mode_refuses_to_start_without_a_secret() -> None:
    with pytest.raises(ConfigError, match="WEBHOOK_SECRET is required"):
        load_settings(_env_file=None, WEBHOOK_URL="https://bot.example.org/telegram")


async def test_updates_are_recorded_before_they_are_acknowledged(harness: BotHarness) -> None:
    await harness.user(502, language_code="en").send("/help")
    async with harness.runtime.db.session() as session:
        rows = (await session.exec(select(InboxUpdate))).all()
    assert [r.status for r in rows] == ["done"]


@pytest.mark.parametrize(
    "data",
    ["al:ack:²", "al:ack:" + "9" * 26, "rp:", "ob:zz:1", "me:", "nothing-we-know", "st:x:y:z"],
)
async def test_every_malformed_button_press_is_answered_and_changes_nothing(
    harness: BotHarness, data: str
) -> None:
    person = harness.user(503, language_code="en")
    await person.send("/start")
    async with harness.runtime.db.session() as session:
        before = await session.get(Dialog, 503)
        state = (before.flow, before.step, dict(before.data)) if before else None
    reply = await person.press("", data=data)
    assert reply.answers, f"the press {data!r} was never answered"
    async with harness.runtime.db.session() as session:
        after = await session.get(Dialog, 503, populate_existing=True)
        assert ((after.flow, after.step, dict(after.data)) if after else None) == state


async def test_a_press_telegram_will_no_longer_answer_is_still_handled(
    harness: BotHarness,
) -> None:
    """Handled again after a crash, a press is too old for Telegram to answer: its step
    still happens (here, the language chosen and the consent asked)."""
    person = harness.user(506, language_code="en")
    await person.send("/start")
    too_old = "Bad Request: query is too old and response timeout expired or query ID is invalid"
    harness.telegram.fail("answerCallbackQuery", status=400, description=too_old)
    before = len(harness.telegram.calls)
    await person.press("English")
    answers = [c for c in harness.telegram.calls[before:] if c.method == "answerCallbackQuery"]
    assert [c.status for c in answers] == [400]
    async with harness.runtime.db.session() as session:
        dialog = await session.get(Dialog, 506)
        user = await session.get(User, 506)
    assert user is not None and user.locale == "en"
    assert dialog is not None and dialog.step == "consent"


async def test_a_group_chat_gets_no_users_row_and_at_most_one_line(harness: BotHarness) -> None:
    update = {
        "update_id": harness.telegram.next_update_id(),
        "message": _message(504, "/start", chat_type="group"),
    }
    await harness.deliver(update)
    texts = [c.text for c in harness.telegram.calls if c.chat_id == -100123 and c.text]
    assert texts == ["Please talk to me in a private chat: health questions are private."]
    async with harness.runtime.db.session() as session:
        assert await session.get(User, 504) is None


async def test_an_edited_message_is_not_taken_as_a_new_answer(harness: BotHarness) -> None:
    person = harness.user(505, language_code="en")
    await person.send("/help")
    calls = len(harness.telegram.calls)
    update = {
        "update_id": harness.telegram.next_update_id(),
        "edited_message": _message(505, "/help") | {"edit_date": int(time.time())},
    }
    await harness.deliver(update)
    assert [c for c in harness.telegram.calls[calls:] if c.chat_id == 505] == []


async def test_one_persons_updates_are_handled_in_order_while_others_run_at_once(
    harness: BotHarness,
) -> None:
    """Ten people each send three messages at once: each person's replies come in the
    order they wrote, and people are not handled one after another."""
    people = [harness.user(600 + i, language_code="en") for i in range(10)]
    updates = []
    for person in people:
        for text in ("/help", "/guide", "/help"):
            update_id = harness.telegram.next_update_id()
            updates.append({"update_id": update_id, "message": _message(person.id, text)})
    for update in updates:
        await harness.telegram.push_update(update)
    for update in updates:
        await harness.tracker.wait(update["update_id"])
    for person in people:
        texts = [c.text for c in harness.telegram.sent_to(person.id)]
        assert len(texts) == 3
        assert "What I can do" in texts[0] and "What I can do" in texts[2]
        assert "What I can do" not in texts[1]
    processor = harness.application.update_processor
    assert processor.max_concurrent_updates > 1


@pytest.mark.skipif(not POSTGRES_URL, reason="dialog versions matter across workers")
async def test_a_write_from_a_stale_dialog_read_fails_loudly(harness: BotHarness) -> None:
    from sqlalchemy.orm.exc import StaleDataError

    db = harness.runtime.db
    async with db.session() as session:
        session.add(Dialog(user_id=777, flow="report", step="symptoms", data={}))
    first_session = db._sessions()
    second_session = db._sessions()
    try:
        a = await first_session.get(Dialog, 777)
        b = await second_session.get(Dialog, 777)
        assert a is not None and b is not None
        a.data = {"symptoms": ["bleeding"]}
        await first_session.commit()
        b.data = {"done": True}
        with pytest.raises(StaleDataError):
            await second_session.commit()
    finally:
        await first_session.close()
        await second_session.close()
