"""Updates per second and handling latency of the whole bot, beside a bare echo bot.

The real bot (BotService via the harness: inbox, per-person processor, handlers,
database, delivery worker) polls the in-process fake Bot API while many people
send a realistic mix: /help, /guide, /me, the guide menu button and its topic
list, free-text questions ("怎么洗手", "how to wash hands"), and pregnant women
completing a /report with vaginal bleeding, which raises a staff alert. Then a
bare python-telegram-bot echo bot (concurrent_updates, one MessageHandler and
one CallbackQueryHandler, one sendMessage per update) gets the same update
stream on a fresh fake.

Every update is queued at the fake at once (or at --rate per second); a report's
button presses follow the bot's previous answer, as a person's would. Latency is
from the update being queued at the fake to the first call the bot makes in
answer (a reply, an edit or a button answer), both timed at the fake; updates
per second count only answered updates, over the time from the first update
queued to the last answer. Unanswered updates are reported.

Prints one JSON line on stdout; progress goes to stderr.
Usage: python benchmarks/updates.py [--updates 2000] [--users 200] [--rate R]
    [--database-url postgresql://postgres@127.0.0.1:5432/mch_bench]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from _load import (
    HELP_TEXTS,
    MENU_TEXTS,
    QUESTIONS,
    Attribution,
    ListenedTelegram,
    Person,
    Updates,
    backend,
    button_data,
    database,
    last_keyboard,
    ms,
    people,
    percentile,
    run,
    seed,
    settings_for,
    stderr,
)
from sqlmodel import func, select
from telegram import Update
from telegram.ext import ApplicationBuilder, CallbackQueryHandler, ContextTypes, MessageHandler
from telegram.ext import filters as ptb_filters
from telegram.request import HTTPXRequest

from bot.devtools.fake_telegram import ApiCall
from bot.devtools.harness import BotHarness
from bot.reports import triage_rules
from storage.models import Alert

REPORT_STEPS = 3  # /report, tick "vaginal bleeding", press Done


# A step builds its update from what the bot has sent so far (only report presses look).
Build = Callable[[Updates, Person, list[ApiCall]], dict[str, Any]]


@dataclass
class Step:
    build: Build
    follows_answer: bool = False  # pushed only once the previous update has been handled
    kind: str = "menu"


def text_step(text_: str, kind: str) -> Step:
    return Step(lambda u, p, _calls: u.message(p, text_), kind=kind)


def guide_list_step() -> Step:
    # The guide's "all topics" button, pressed on a message of the bot's.
    return Step(lambda u, p, calls: u.press(p, "g:m", last_keyboard(calls, p.id)), kind="guide")


def bleeding_label(person: Person) -> str:
    locale = "zh_Hans" if person.language == "zh-hans" else "en"
    return str(triage_rules().symptoms["bleeding"].label.get(locale))


def tick(u: Updates, p: Person, calls: list[ApiCall]) -> dict[str, Any]:
    keyboard = last_keyboard(calls, p.id)
    if keyboard is None:
        raise LookupError(f"no report checklist in chat {p.id}")
    return u.press(p, button_data(keyboard, bleeding_label(p)), keyboard)


def done(u: Updates, p: Person, calls: list[ApiCall]) -> dict[str, Any]:
    keyboard = last_keyboard(calls, p.id)
    if keyboard is None:
        raise LookupError(f"no report checklist in chat {p.id}")
    return u.press(p, button_data(keyboard, "✅"), keyboard)


def report_steps() -> list[Step]:
    return [
        text_step("/report", "report"),
        Step(tick, follows_answer=True, kind="report"),
        Step(done, follows_answer=True, kind="report"),
    ]


def scripts(everyone: list[Person], total: int, rng: random.Random) -> list[list[Step]]:
    """Each person's updates, `total` in all: menu and guide traffic for everyone, and one
    danger-sign report in the middle of each mother's."""
    per_person = [total // len(everyone)] * len(everyone)
    for i in range(total - sum(per_person)):
        per_person[i] += 1
    result = []
    for person, count in zip(everyone, per_person, strict=True):
        plain = count - (REPORT_STEPS if person.mother and count >= REPORT_STEPS else 0)
        steps: list[Step] = []
        for n in range(plain):
            roll = rng.random()
            if roll < 0.30:
                steps.append(text_step("/help", "menu"))
            elif roll < 0.40:
                steps.append(text_step(rng.choice(HELP_TEXTS[1:]), "menu"))
            elif roll < 0.55:
                steps.append(text_step(MENU_TEXTS[person.language], "guide"))
            elif roll < 0.65 and n > 0:
                steps.append(guide_list_step())
            else:
                steps.append(text_step(rng.choice(QUESTIONS[person.language]), "guide"))
        if plain < count:
            middle = len(steps) // 2
            steps[middle:middle] = report_steps()
        result.append(steps)
    return result


class Pacer:
    """Hands out push slots first come, first served: at once, or `rate` per second."""

    def __init__(self, rate: float | None) -> None:
        self.rate = rate
        self.start = time.monotonic()
        self.slots = 0

    async def slot(self) -> None:
        if self.rate is None:
            await asyncio.sleep(0)
            return
        at = self.start + self.slots / self.rate
        self.slots += 1
        delay = at - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        else:
            await asyncio.sleep(0)


@dataclass
class RunFigures:
    offered: int
    answered: int
    unanswered: int
    seconds: float
    latencies: list[float]
    failed_steps: int
    extra: dict[str, Any]

    def summary(self) -> dict[str, Any]:
        return {
            "offered": self.offered,
            "answered": self.answered,
            "unanswered": self.unanswered,
            "seconds": round(self.seconds, 2),
            "updates_per_s": round(self.answered / self.seconds, 1) if self.seconds else None,
            "p50_ms": ms(percentile(self.latencies, 50)),
            "p99_ms": ms(percentile(self.latencies, 99)),
            "failed_steps": self.failed_steps,
            **self.extra,
        }


async def drive(
    telegram: ListenedTelegram,
    attribution: Attribution,
    everyone: list[Person],
    plans: list[list[Step]],
    rate: float | None,
    recorded: dict[tuple[int, int], dict[str, Any]],
    replay: bool,
    timeout: float,
    step_timeout: float = 600.0,
) -> RunFigures:
    """Push every person's updates; each report press waits for the previous answer.

    On the bot's run the built payloads are kept in `recorded`; the echo run replays
    them (`replay`), so both see the same stream. Update ids are given in push order,
    as Telegram's are.
    """
    updates = Updates(first_id=1000)  # above the warm-up's
    pacer = Pacer(rate)
    failed = 0

    async def person_task(index: int, person: Person, steps: list[Step]) -> None:
        nonlocal failed
        previous = None
        for n, step in enumerate(steps):
            if step.follows_answer:
                if previous is not None:
                    try:
                        # Behind a queue of thousands this can take a while: a generous
                        # limit, so a slow bot shows as slow, not as reports not made.
                        await asyncio.wait_for(previous.finished.wait(), step_timeout)
                    except TimeoutError:
                        failed += len(steps) - n
                        return
            else:
                await pacer.slot()
            if replay and (person.id, n) not in recorded:
                failed += len(steps) - n  # the bot's run never got this far
                return
            try:
                if replay:
                    payload = json.loads(json.dumps(recorded[(person.id, n)]))
                else:
                    payload = step.build(updates, person, telegram.calls)
                    recorded[(person.id, n)] = payload
            except (LookupError, KeyError) as error:
                stderr(f"person {person.id} step {n}: {error}")
                failed += len(steps) - n
                return
            update_id = updates.next_id()
            payload["update_id"] = update_id
            if "callback_query" in payload:
                payload["callback_query"]["id"] = f"q{update_id}"
            previous = attribution.queued(update_id, person.id, time.monotonic())
            await telegram.push_update(payload)

    pacer.start = time.monotonic()
    tasks = [
        asyncio.create_task(person_task(i, p, s))
        for i, (p, s) in enumerate(zip(everyone, plans, strict=True))
    ]
    await asyncio.gather(*tasks)
    offered_seconds = time.monotonic() - pacer.start
    # Wait for the answers: until all are in, or nothing has moved for `timeout`.
    last_progress, seen = time.monotonic(), -1
    while True:
        answered = sum(1 for t in attribution.updates.values() if t.answered is not None)
        if answered == len(attribution.updates):
            break
        if answered != seen:
            seen, last_progress = answered, time.monotonic()
        elif time.monotonic() - last_progress > timeout:
            break
        await asyncio.sleep(0.05)
    tracked = list(attribution.updates.values())
    first = min(t.queued for t in tracked)
    last = max((t.answered for t in tracked if t.answered is not None), default=first)
    latencies = attribution.latencies()
    return RunFigures(
        offered=len(tracked),
        answered=len(latencies),
        unanswered=len(attribution.unanswered()),
        seconds=last - first,
        latencies=latencies,
        failed_steps=failed,
        extra={"offered_in_s": round(offered_seconds, 2)},
    )


async def warm_up(telegram: ListenedTelegram, attribution: Attribution, person: Person) -> None:
    """A few updates from someone outside the figures: catalogs, topic index, connections."""
    u = Updates()
    for text_ in ["/help", *QUESTIONS[person.language], MENU_TEXTS[person.language], "/guide"]:
        payload = u.message(person, text_)
        tracked = attribution.queued(payload["update_id"], person.id, time.monotonic())
        await telegram.push_update(payload)
        await asyncio.wait_for(tracked.finished.wait(), 30)
    attribution.updates.clear()


async def run_bot(
    url: str,
    everyone: list[Person],
    plans: list[list[Step]],
    rate: float | None,
    concurrent: int | None,
    recorded: dict[tuple[int, int], dict[str, Any]],
    timeout: float,
    staff_ids: list[int],
) -> RunFigures:
    settings = settings_for(url, concurrent)
    harness = BotHarness(settings)
    telegram = ListenedTelegram()
    harness.telegram = telegram
    attribution = Attribution()
    telegram.listeners.append(attribution.on_call)
    await harness.start()
    try:
        processor = harness.services[0].application.update_processor
        mark = processor.finished  # type: ignore[attr-defined]

        def finished(update_id: int) -> None:
            if mark is not None:
                mark(update_id)
            attribution.finished(update_id)

        processor.finished = finished  # type: ignore[attr-defined]
        warm = Person(990_000, "en")
        await warm_up(telegram, attribution, warm)
        figures = await drive(
            telegram, attribution, everyone, plans, rate, recorded, False, timeout
        )
        reports = sum(  # Done presses actually sent
            1
            for person, plan in zip(everyone, plans, strict=True)
            for n, step in enumerate(plan)
            if step.build is done and (person.id, n) in recorded
        )
        # Alerts go out through the outbox; give the delivery worker time to send them.
        staff = set(staff_ids)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            sent = [c for c in attribution.other_calls if c.chat_id in staff]
            if len(sent) >= reports:
                break
            await asyncio.sleep(0.05)
        sent = [
            c for c in attribution.other_calls if c.chat_id in staff and c.method == "sendMessage"
        ]
        async with harness.runtime.db.session() as session:
            alerts = (await session.exec(select(func.count()).select_from(Alert))).one()
        processor_ = harness.services[0].application.update_processor
        figures.extra |= {
            "reports": reports,
            "alerts_created": int(alerts),
            "alerts_sent": len(sent),
            "handled": processor_.handled,  # type: ignore[attr-defined]
        }
        return figures
    finally:
        await harness.stop()


async def run_echo(
    everyone: list[Person],
    plans: list[list[Step]],
    rate: float | None,
    concurrent: int,
    recorded: dict[tuple[int, int], dict[str, Any]],
    timeout: float,
) -> RunFigures:
    telegram = ListenedTelegram()
    await telegram.start()
    attribution = Attribution(echo=True)
    telegram.listeners.append(attribution.on_call)

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_chat is not None
        await context.bot.send_message(update.effective_chat.id, f"echo {update.update_id}")

    application = (
        ApplicationBuilder()
        .token(telegram.token)
        .base_url(telegram.base_url)
        .request(HTTPXRequest(connection_pool_size=max(64, 2 * concurrent)))
        .concurrent_updates(concurrent)
        .build()
    )
    application.add_handler(MessageHandler(ptb_filters.ALL, echo))
    application.add_handler(CallbackQueryHandler(echo))
    await application.initialize()
    await application.start()
    assert application.updater is not None
    await application.updater.start_polling(timeout=2, allowed_updates=Update.ALL_TYPES)
    try:
        warm = Person(990_000, "en")
        u = Updates()
        for _ in range(5):
            payload = u.message(warm, "/help")
            tracked = attribution.queued(payload["update_id"], warm.id, time.monotonic())
            await telegram.push_update(payload)
            await asyncio.wait_for(tracked.finished.wait(), 30)
        attribution.updates.clear()
        return await drive(telegram, attribution, everyone, plans, rate, recorded, True, timeout)
    finally:
        await application.updater.stop()
        await application.stop()
        await application.shutdown()
        await telegram.stop()


async def main(args: argparse.Namespace) -> None:
    rng = random.Random(args.seed)
    mothers = max(1, round(args.users * args.mothers))
    everyone = people(args.users, mothers)
    plans = scripts(everyone, args.updates, rng)
    recorded: dict[tuple[int, int], dict[str, Any]] = {}
    async with database(args.database_url) as url:
        concurrent = args.concurrent_updates or settings_for(url, None).concurrent_updates
        stderr(f"seeding {len(everyone)} people ({mothers} mothers) on {backend(url)}")
        staff_ids = await seed(url, everyone)
        stderr("bot run")
        bot = await run_bot(
            url,
            everyone,
            plans,
            args.rate,
            args.concurrent_updates,
            recorded,
            args.timeout,
            staff_ids,
        )
        stderr(f"bot: {bot.summary()}")
        stderr("echo run")
        echo = await run_echo(everyone, plans, args.rate, concurrent, recorded, args.timeout)
        stderr(f"echo: {echo.summary()}")
    bot_rate = bot.answered / bot.seconds if bot.seconds else 0.0
    echo_rate = echo.answered / echo.seconds if echo.seconds else 0.0
    print(
        json.dumps(
            {
                "database": backend(url),
                "updates": args.updates,
                "users": args.users,
                "mothers": mothers,
                "concurrent_updates": concurrent,
                "offered_per_s": args.rate or "all queued",
                "bot": bot.summary(),
                "echo": echo.summary(),
                "ratio": round(bot_rate / echo_rate, 3) if echo_rate else None,
            },
            ensure_ascii=False,
        ),
        flush=True,
    )


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--updates", type=int, default=2000)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument(
        "--mothers", type=float, default=0.2, help="share of users who report (default 0.2)"
    )
    parser.add_argument(
        "--rate", type=float, default=None, help="updates/s offered (default: all at once)"
    )
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds without progress")
    parser.add_argument("--seed", type=int, default=9)


if __name__ == "__main__":
    run(__doc__ or "", main, _arguments)
