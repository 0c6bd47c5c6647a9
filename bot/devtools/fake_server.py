"""The fake Bot API as a process of its own, with a control API for tests.

Fault tests run the bot as a real process (`python -m bot run`) and kill it
with SIGKILL; the fake Telegram must outlive it, keep counting what reached
"Telegram", and keep the updates not yet confirmed, so it runs here:

    python -m bot.devtools.fake_server [--port 0]

It prints one JSON line {"port": N, "token": ...} on stdout when ready. Beside
the Bot API (/bot<token>/<method>) it serves /control/...:

    POST /control/updates {"updates": [...]}   queue updates for getUpdates (numbered here)
    GET  /control/calls?since=N                calls the bot made (with "late" marks and
                                               "at", the fake's monotonic arrival time)
    POST /control/fail {...}                   FakeTelegram.fail(**body)
    POST /control/chaos {"rate": 0.2, "seed": 1, "late_delay": 1.5}
                                               fail sends at random: 429, 500, a reset,
                                               or a late answer after the message was
                                               delivered (the bot times out and may repeat
                                               it: such calls are marked "late")
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import signal
import sys
from typing import Any

from aiohttp import web

from bot.devtools.fake_telegram import ApiCall, Failure, FakeTelegram

CHAOS_METHODS = ("sendMessage", "editMessageText", "sendDocument", "sendVenue")


class ChaosTelegram(FakeTelegram):
    """FakeTelegram whose sends can fail at random, as the real one does under load."""

    def __init__(self, token: str) -> None:
        super().__init__(token)
        self.chaos_rate = 0.0
        self.late_delay = 1.5
        self._random = random.Random(0)
        self.late: set[int] = set()  # indices of calls delivered but answered too late

    def _take_failure(self, method: str, params: dict[str, Any]) -> Failure | None:
        scripted = super()._take_failure(method, params)
        if scripted is not None or method not in CHAOS_METHODS:
            return scripted
        if self._random.random() >= self.chaos_rate:
            return None
        kind = self._random.choice(("429", "500", "reset", "late"))
        if kind == "429":
            return Failure(method, None, 1, 429, 1, "Too Many Requests: retry after 1")
        if kind == "500":
            return Failure(method, None, 1, 500)
        if kind == "reset":
            return Failure(method, None, 1, 500, disconnect=True)
        return Failure(method, None, 1, 200, delay=self.late_delay)

    async def _fail(
        self, request: web.Request, method: str, params: dict[str, Any], failure: Failure
    ) -> web.StreamResponse:
        if failure.status != 200:
            return await super()._fail(request, method, params, failure)
        # Delivered, then answered after the bot stopped waiting.
        handler = getattr(self, f"_api_{method}")
        result = handler(params)
        index = len(self.calls)
        await self._record(ApiCall(method, params, result=result))
        self.late.add(index)
        await asyncio.sleep(failure.delay)
        return web.json_response({"ok": True, "result": result})

    def control_routes(self, app: web.Application) -> None:
        app.router.add_post("/control/updates", self._control_updates)
        app.router.add_get("/control/calls", self._control_calls)
        app.router.add_post("/control/fail", self._control_fail)
        app.router.add_post("/control/chaos", self._control_chaos)

    async def _control_updates(self, request: web.Request) -> web.Response:
        body = await request.json()
        async with self._changed:
            # Telegram numbers updates as they arrive; so does the fake, or an update a
            # test built earlier but queued later would fall below the confirmed offset.
            for update in body["updates"]:
                update["update_id"] = self.next_update_id()
            self._pending.extend(body["updates"])
            self._changed.notify_all()
        return web.json_response({"queued": [u["update_id"] for u in body["updates"]]})

    async def _control_calls(self, request: web.Request) -> web.Response:
        since = int(request.query.get("since", "0"))
        calls = [
            {
                "index": since + i,
                "method": c.method,
                "params": _jsonable(c.params),
                "ok": c.ok,
                "status": c.status,
                "result": c.result,
                "late": since + i in self.late,
                "at": c.at,
            }
            for i, c in enumerate(self.calls[since:])
        ]
        return web.json_response({"calls": calls, "next": since + len(calls)})

    async def _control_fail(self, request: web.Request) -> web.Response:
        self.fail(**(await request.json()))
        return web.json_response({"ok": True})

    async def _control_chaos(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.chaos_rate = float(body.get("rate", 0.0))
        self.late_delay = float(body.get("late_delay", self.late_delay))
        self._random = random.Random(body.get("seed", 0))
        return web.json_response({"ok": True})


def _jsonable(params: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in params.items() if k != "document"}  # file bytes stay here


async def serve(port: int, token: str) -> None:
    fake = ChaosTelegram(token)
    await fake.start(port=port, extra_routes=fake.control_routes)
    print(json.dumps({"port": fake.port, "token": fake.token}), flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await fake.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="A fake Telegram Bot API for fault tests.")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--token", default="123456:TEST-TOKEN-FOR-LOCAL-USE")
    args = parser.parse_args(argv)
    asyncio.run(serve(args.port, args.token))
    return 0


if __name__ == "__main__":
    sys.exit(main())
