"""How long a staff alert takes, from a mother's Done to the alert at the fake Bot API,
while other people keep the bot busy.

The real bot (BotService via the harness, polling the in-process fake Bot API, its
delivery worker sending the outbox) gets background traffic at a steady rate
offered (default 20 and 100 updates/s: /help, /guide, the guide menu button and
free-text guide questions from many people). Meanwhile pregnant women, one every
--interval seconds, send /report, tick "vaginal bleeding" and press Done, each press
following the bot's previous answer. The figure is the time from that Done being
queued at the fake to the staff alert's sendMessage reaching the fake (each
community has one staff member, so one alert is one sendMessage), both timed at
the fake. Alerts that never arrive are counted as missing.

Prints one JSON line on stdout; progress goes to stderr.
Usage: python benchmarks/alerts.py [--loads 20,100] [--alerts 30] [--interval 0.5]
    [--database-url postgresql://postgres@127.0.0.1:5432/mch_bench]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import time
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

from bot.devtools.fake_telegram import ApiCall
from bot.devtools.harness import BotHarness
from bot.reports import triage_rules

MENTION = re.compile(r"tg://user\?id=(\d+)")


def bleeding_label(person: Person) -> str:
    locale = "zh_Hans" if person.language == "zh-hans" else "en"
    return str(triage_rules().symptoms["bleeding"].label.get(locale))


def background_text(n: int, person: Person) -> str:
    """/help, the other menu commands, the guide button, guide questions, in turn."""
    choices = [
        "/help",
        QUESTIONS[person.language][n % len(QUESTIONS[person.language])],
        MENU_TEXTS[person.language],
        HELP_TEXTS[1 + n % 2],
        "/help",
        QUESTIONS[person.language][(n + 1) % len(QUESTIONS[person.language])],
    ]
    return choices[n % len(choices)]


class AlertClock:
    """Listens at the fake for staff alerts and times them against each mother's Done."""

    def __init__(self, telegram: ListenedTelegram, staff: set[int]) -> None:
        self.telegram = telegram
        self.staff = staff
        self.done_at: dict[int, float] = {}  # mother -> her Done queued at
        self.latency: dict[int, float] = {}
        self.arrived: dict[int, asyncio.Event] = {}

    def expect(self, mother: int) -> asyncio.Event:
        return self.arrived.setdefault(mother, asyncio.Event())

    def on_call(self, call: ApiCall) -> None:
        if not call.ok or call.method != "sendMessage" or call.chat_id not in self.staff:
            return
        match = MENTION.search(call.text)
        if match is None:
            return
        mother = int(match.group(1))
        if mother in self.done_at and mother not in self.latency:
            self.latency[mother] = call.at - self.done_at[mother]
            self.expect(mother).set()


async def one_load(
    url: str,
    offered: float,
    background: list[Person],
    mothers: list[Person],
    staff_ids: list[int],
    updates: Updates,
    args: argparse.Namespace,
) -> dict[str, Any]:
    settings = settings_for(url, args.concurrent_updates)
    harness = BotHarness(settings)
    telegram = ListenedTelegram()
    harness.telegram = telegram
    attribution = Attribution()
    clock = AlertClock(telegram, set(staff_ids))
    telegram.listeners += [attribution.on_call, clock.on_call]
    await harness.start()
    try:
        processor = harness.services[0].application.update_processor
        mark = processor.finished  # type: ignore[attr-defined]

        def finished(update_id: int) -> None:
            if mark is not None:
                mark(update_id)
            attribution.finished(update_id)

        processor.finished = finished  # type: ignore[attr-defined]
        # Warm up outside the figures: one of each background message.
        warm = Person(990_000, "en")
        for n in range(6):
            payload = updates.message(warm, background_text(n, warm))
            tracked = attribution.queued(payload["update_id"], warm.id, time.monotonic())
            await telegram.push_update(payload)
            await asyncio.wait_for(tracked.finished.wait(), 30)
        attribution.updates.clear()

        background_ids: set[int] = set()
        stop_background = asyncio.Event()

        async def push(person: Person, payload: dict[str, Any]) -> Any:
            tracked = attribution.queued(payload["update_id"], person.id, time.monotonic())
            await telegram.push_update(payload)
            return tracked

        async def background_load() -> None:
            start = time.monotonic()
            n = 0
            while not stop_background.is_set():
                person = background[n % len(background)]
                payload = updates.message(person, background_text(n // len(background), person))
                background_ids.add(payload["update_id"])
                await push(person, payload)
                n += 1
                delay = start + n / offered - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)

        failures: list[str] = []

        async def report(mother: Person) -> None:
            try:
                first = await push(mother, updates.message(mother, "/report"))
                await asyncio.wait_for(first.finished.wait(), args.timeout)
                keyboard = last_keyboard(telegram.calls, mother.id)
                if keyboard is None:
                    raise LookupError("no checklist")
                data = button_data(keyboard, bleeding_label(mother))
                ticked = await push(mother, updates.press(mother, data, keyboard))
                await asyncio.wait_for(ticked.finished.wait(), args.timeout)
                keyboard = last_keyboard(telegram.calls, mother.id)
                assert keyboard is not None
                press = updates.press(mother, button_data(keyboard, "✅"), keyboard)
                clock.expect(mother.id)
                clock.done_at[mother.id] = time.monotonic()
                await push(mother, press)
                await asyncio.wait_for(clock.expect(mother.id).wait(), args.timeout)
            except (TimeoutError, LookupError, AssertionError) as error:
                failures.append(f"mother {mother.id}: {type(error).__name__} {error}")

        loader = asyncio.create_task(background_load())
        await asyncio.sleep(args.settle)  # the background reaches its pace first
        window_start = time.monotonic()
        reports = []
        for mother in mothers:
            reports.append(asyncio.create_task(report(mother)))
            await asyncio.sleep(args.interval)
        await asyncio.gather(*reports)
        window = time.monotonic() - window_start
        stop_background.set()
        await loader
        for failure in failures:
            stderr(failure)
        # Let the background pushed in the window be answered (or time out) before counting.
        for _ in range(int(args.timeout / 0.05)):
            if all(
                t.answered is not None
                for uid, t in attribution.updates.items()
                if uid in background_ids and t.queued <= window_start + window
            ):
                break
            await asyncio.sleep(0.05)
        # Background figures over the alert window (pushed before its end).
        in_window = [
            t
            for uid, t in attribution.updates.items()
            if uid in background_ids and window_start <= t.queued <= window_start + window
        ]
        answered = [t for t in in_window if t.answered is not None]
        answered_in_window = [t for t in answered if t.answered <= window_start + window]
        background_latency = [t.answered - t.queued for t in answered]  # type: ignore[operator]
        latencies = list(clock.latency.values())
        figures = {
            "offered_per_s": offered,
            "achieved_per_s": round(len(answered_in_window) / window, 1),
            "alerts": len(latencies),
            "missing_alerts": len(mothers) - len(latencies),
            "p50_ms": ms(percentile(latencies, 50)),
            "p99_ms": ms(percentile(latencies, 99)),
            "max_ms": ms(max(latencies, default=None)),
            "background_p50_ms": ms(percentile(background_latency, 50)),
            "background_p99_ms": ms(percentile(background_latency, 99)),
            "background_unanswered": len(in_window) - len(answered),
            "seconds": round(window, 2),
        }
        stderr(f"load {offered}/s: {figures}")
        return figures
    finally:
        await harness.stop()


async def main(args: argparse.Namespace) -> None:
    loads = [float(x) for x in args.loads.split(",") if x]
    mothers_per_load = args.alerts
    everyone = people(
        args.background_users + mothers_per_load * len(loads), mothers_per_load * len(loads)
    )
    mothers = [p for p in everyone if p.mother]
    background = [p for p in everyone if not p.mother]
    results = []
    async with database(args.database_url) as url:
        stderr(f"seeding on {backend(url)}")
        staff_ids = await seed(url, everyone)
        updates = Updates()  # ids keep rising across loads: the inbox has seen the old ones
        for n, offered in enumerate(loads):
            group = mothers[n * mothers_per_load : (n + 1) * mothers_per_load]
            results.append(
                await one_load(url, offered, background, group, staff_ids, updates, args)
            )
        concurrent = settings_for(url, args.concurrent_updates).concurrent_updates
    out = {
        "database": backend(url),
        "concurrent_updates": concurrent,
        "interval_s": args.interval,
        "loads": [
            {k: v for k, v in r.items() if k in {"offered_per_s", "achieved_per_s", "alerts"}}
            | {k: v for k, v in r.items() if k not in {"offered_per_s", "achieved_per_s", "alerts"}}
            for r in results
        ],
    }
    print(json.dumps(out, ensure_ascii=False), flush=True)


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--loads", default="20,100", help="background updates/s, comma-separated")
    parser.add_argument("--alerts", type=int, default=30, help="danger-sign reports per load")
    parser.add_argument(
        "--interval", type=float, default=0.5, help="seconds between mothers starting a report"
    )
    parser.add_argument("--background-users", type=int, default=500)
    parser.add_argument("--settle", type=float, default=2.0, help="seconds of load before alerts")
    parser.add_argument("--timeout", type=float, default=30.0)


if __name__ == "__main__":
    run(__doc__ or "", main, _arguments)
