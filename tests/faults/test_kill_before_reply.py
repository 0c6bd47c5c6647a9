"""kill -9 inside an update, on either side of its commit.

A parent types her child's birth date: the date is stored and the dialog moves on to the
child's name in one commit, then the name question goes out. Killed in between, the
restarted bot must send that question again, not read the date a second time as the
answer to it (it would name the child "2024-06-01"). Then she presses a button, which is
answered at once; killed before the step it starts is stored, the restarted bot must
still handle the press (answering a button is not handling it)."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import select

from bot.config import normalise_database_url
from storage.db import Database
from storage.models import Child, InboxUpdate
from tests import factories
from tests.faults.world import BotProcess, FakeApi, Person, calls_to, fault_database, figures

PARENT = 401
BIRTH = "2024-06-01"


async def _seed(url: str) -> None:
    db = Database(normalise_database_url(url))
    await db.upgrade()
    await factories.community(db, "C001")
    await factories.parent(db, PARENT, [], locale="en")
    await db.dispose()


async def _children_and_inbox(url: str) -> tuple[list[Child], list[InboxUpdate]]:
    db = Database(normalise_database_url(url))
    async with db.session() as session:
        children = list((await session.exec(select(Child))).all())
        inbox = list((await session.exec(select(InboxUpdate))).all())
    await db.dispose()
    return children, inbox


async def test_kill_9_between_commit_and_reply_sends_the_reply_and_takes_no_answer_twice(
    tmp_path: Path,
) -> None:
    parent = Person(PARENT)
    async with fault_database(tmp_path) as url, FakeApi() as fake:
        await _seed(url)
        bot = BotProcess(fake, url, tmp_path / "bot")
        await bot.start()
        try:
            await fake.queue(parent.says("/me"))
            calls = await parent.next_reply(fake, [])
            await fake.queue(parent.presses(calls, "Add a child"))
            calls = await fake.wait(
                lambda c: any("birth date" in t for t in _texts(c)), what="the birth question"
            )
            # The question that follows the stored date hangs at "Telegram"; the bot dies
            # while it waits for the answer.
            assert fake.http is not None
            hang = {"method": "sendMessage", "chat_id": PARENT, "status": 500, "delay": 30}
            async with fake.http.post(fake._url("fail"), json=hang) as r:
                r.raise_for_status()
            seen = len(await fake.calls())
            await fake.queue(parent.says(BIRTH))
            calls = await fake.wait(
                lambda c: any(not x["ok"] for x in c[seen:]), what="the hanging question"
            )
            hung = next(x for x in calls[seen:] if not x["ok"])["params"]["text"]
            bot.kill()
            await bot.wait_dead()
            children, inbox = await _children_and_inbox(url)
            applied = [row for row in inbox if row.status == "pending" and row.resend]

            bot = BotProcess(fake, url, tmp_path / "bot")
            await bot.start()
            calls = await fake.wait(
                lambda c: any(x["ok"] for x in calls_to(c[seen:], PARENT)),
                what="the question sent again",
            )
            resent = [x["params"]["text"] for x in calls_to(calls[seen:], PARENT)]
            await fake.queue(parent.says("Lili"))
            calls = await fake.wait(
                lambda c: any("another child" in t for t in _texts(c)), what="the next question"
            )
            # A press answered at "Telegram" and killed before its step was stored is not
            # taken as handled: the restarted bot handles it (she is asked for the date).
            hang = {"method": "editMessageReplyMarkup", "chat_id": PARENT, "delay": 30}
            async with fake.http.post(fake._url("fail"), json=hang) as r:
                r.raise_for_status()
            pressed = len(calls)
            await fake.queue(parent.presses(calls, "Add another child"))
            await fake.wait(
                lambda c: any(not x["ok"] for x in c[pressed:]), what="the hanging edit"
            )
            bot.kill()
            await bot.wait_dead()
            bot = BotProcess(fake, url, tmp_path / "bot")
            await bot.start()
            calls = await fake.wait(
                lambda c: any("next child" in t for t in _texts(c[pressed:])),
                what="the press handled after the restart",
            )
        finally:
            await bot.stop()
        children, _inbox = await _children_and_inbox(url)

    figures("kill_before_reply", kills=2, applied_at_kill=len(applied), resent=len(resent))
    assert len(applied) == 1  # the date's effects were in, with the question to send
    assert resent == [hung]  # the same question, once, and not "Saved: 2024-06-01, …"
    assert [(c.nickname, c.birth_date.isoformat()) for c in children] == [("Lili", BIRTH)]


def _texts(calls: list) -> list[str]:
    return [str(x["params"].get("text", "")) for x in calls_to(calls, PARENT)]
