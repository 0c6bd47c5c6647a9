"""Telegram answering 429, 500, connection resets and late answers at random:
every queued message and every reply arrives; the only repeats are messages
Telegram had delivered but answered too late (the bot cannot know)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from tests.faults.test_kill_mid_drain import queue_messages
from tests.faults.world import BotProcess, FakeApi, Person, delivered, fault_database, figures

MESSAGES = 300
WRITERS = [Person(6100 + i) for i in range(30)]
HELPS_EACH = 2


async def test_random_api_failures_lose_nothing_and_repeat_only_late_answers(
    tmp_path: Path,
) -> None:
    async with fault_database(tmp_path) as url, FakeApi() as fake:
        await queue_messages(url, MESSAGES, chats=100)
        await fake.chaos(0.25, seed=7, late_delay=1.5)
        bot = BotProcess(
            fake, url, tmp_path / "bot",
            SEND_RATE_PER_SECOND="200", SEND_PER_CHAT_INTERVAL="0", SEND_TIMEOUT_SECONDS="1",
        )  # fmt: skip
        await bot.start()
        try:
            for _ in range(HELPS_EACH):
                await fake.queue(*[w.says("/help") for w in WRITERS])

            def finished(calls: list) -> bool:
                texts = {c["params"].get("text") for c in delivered(calls)}
                helps = Counter(
                    c["params"]["chat_id"]
                    for c in delivered(calls)
                    if "What I can do" in str(c["params"].get("text", ""))
                )
                return all(f"m{i}" in texts for i in range(MESSAGES)) and all(
                    helps[w.id] >= HELPS_EACH for w in WRITERS
                )

            calls = await fake.wait(finished, timeout=240)
        finally:
            await bot.stop()

    sent = delivered(calls)
    late = [c for c in sent if c["late"]]
    failed = [c for c in calls if not c["ok"]]
    texts = [str(c["params"]["text"]) for c in sent]
    queued = Counter(t for t in texts if t.startswith("m") and t[1:].isdigit())
    helps = Counter(c["params"]["chat_id"] for c in sent if "What I can do" in c["params"]["text"])
    repeated = sum(n - 1 for n in queued.values()) + sum(
        n - HELPS_EACH for n in helps.values() if n > HELPS_EACH
    )
    figures(
        "api_chaos",
        messages=MESSAGES,
        replies=len(WRITERS) * HELPS_EACH,
        failed_calls=len(failed),
        late_answers=len(late),
        lost=0,
        duplicated=repeated,
    )
    assert failed, "the fake injected no failure: the test would prove nothing"
    assert repeated <= len(late)
