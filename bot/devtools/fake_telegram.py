"""An in-process fake of the Telegram Bot API, served over real HTTP.

The bot under test is the real python-telegram-bot stack pointed at this
server with `base_url`; nothing in the bot knows it is not Telegram. The fake
records every call the bot makes, hands out updates by long polling or
pushes them to the bot's webhook, and can be told to fail (5xx, 429 with
retry_after, 403 blocked, slow answers, dropped connections) so delivery
code is tested against the failures Telegram really produces.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import aiohttp
from aiohttp import web

from bot.devtools.fake_calls import _JSON_PARAMS, _NUMERIC_PARAMS, BOT_ID, ApiCall, Failure

__all__ = ["BOT_ID", "ApiCall", "Failure", "FakeTelegram"]


class FakeTelegram:
    """The fake server. Use `async with FakeTelegram() as tg:` or start()/stop()."""

    def __init__(self, token: str = "123456:TEST-TOKEN-FOR-LOCAL-USE") -> None:
        self.token = token
        self.bot_username = "mch_test_bot"
        self.calls: list[ApiCall] = []
        self._changed = asyncio.Condition()
        self._pending: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._message_ids: defaultdict[int, itertools.count[int]] = defaultdict(
            lambda: itertools.count(1)
        )
        self._failures: list[Failure] = []
        self.webhook_url: str | None = None
        self.webhook_secret: str | None = None
        self._runner: web.AppRunner | None = None
        self._client: aiohttp.ClientSession | None = None
        self.port = 0
        self._closing = False
        # Seconds to hold each successful answer after the call was recorded (by method):
        # the round trip of a real network, so pacing is checked where messages arrive.
        self.latency: Callable[[str], float] | None = None

    # ---- lifecycle -------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    async def start(
        self, *, port: int = 0, extra_routes: Callable[[web.Application], None] | None = None
    ) -> FakeTelegram:
        app = web.Application(client_max_size=8 * 1024 * 1024)
        app.router.add_route("POST", "/bot{token}/{method}", self._handle)
        app.router.add_route("GET", "/bot{token}/{method}", self._handle)
        if extra_routes is not None:
            extra_routes(app)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self._client = aiohttp.ClientSession()
        return self

    async def stop(self) -> None:
        # Long polls still parked on the server would hold the shutdown for their timeout.
        async with self._changed:
            self._closing = True
            self._changed.notify_all()
        if self._client is not None:
            await self._client.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def __aenter__(self) -> FakeTelegram:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # ---- failure injection -----------------------------------------------

    def fail(
        self,
        method: str | None = None,
        *,
        chat_id: int | None = None,
        times: int = 1,
        status: int = 500,
        retry_after: int | None = None,
        description: str | None = None,
        delay: float = 0.0,
        disconnect: bool = False,
    ) -> None:
        """Make the next `times` calls of `method` (to `chat_id`) fail this way."""
        if description is None:
            description = {
                429: f"Too Many Requests: retry after {retry_after}",
                403: "Forbidden: bot was blocked by the user",
                400: "Bad Request",
            }.get(status, "Internal Server Error")
        self._failures.append(
            Failure(method, chat_id, times, status, retry_after, description, delay, disconnect)
        )

    def _take_failure(self, method: str, params: dict[str, Any]) -> Failure | None:
        for failure in self._failures:
            if failure.matches(method, params):
                failure.times -= 1
                if failure.times <= 0:
                    self._failures.remove(failure)
                return failure
        return None

    # ---- updates in --------------------------------------------------------

    def next_update_id(self) -> int:
        return next(self._update_ids)

    async def push_update(self, update: dict[str, Any]) -> None:
        """Deliver an update the way Telegram would: webhook POST if set, else getUpdates."""
        if self.webhook_url is not None:
            assert self._client is not None
            headers = {}
            if self.webhook_secret:
                headers["X-Telegram-Bot-Api-Secret-Token"] = self.webhook_secret
            async with self._client.post(self.webhook_url, json=update, headers=headers) as resp:
                if resp.status != 200:
                    raise AssertionError(f"webhook refused update: HTTP {resp.status}")
            return
        async with self._changed:
            self._pending.append(update)
            self._changed.notify_all()

    # ---- waiting on what the bot does --------------------------------------

    async def wait_for(
        self, predicate: Callable[[ApiCall], bool], *, timeout: float = 10.0, start: int = 0
    ) -> ApiCall:
        """Wait until the bot has made a successful call matching `predicate`."""

        def found() -> ApiCall | None:
            for call in self.calls[start:]:
                if call.ok and predicate(call):
                    return call
            return None

        async with asyncio.timeout(timeout), self._changed:
            while (call := found()) is None:
                await self._changed.wait()
            return call

    def sent_to(self, chat_id: int, *, since: int = 0) -> list[ApiCall]:
        """Successful messages the bot sent or edited in a chat."""
        return [c for c in self.calls[since:] if c.ok and c.chat_id == chat_id]

    # ---- the API -------------------------------------------------------------

    async def _params(self, request: web.Request) -> dict[str, Any]:
        if request.content_type == "application/json":
            raw: dict[str, Any] = await request.json()
        else:
            form = await request.post()
            raw = {}
            for key, value in form.items():
                if isinstance(value, web.FileField):
                    raw[key] = {"filename": value.filename, "content": value.file.read()}
                else:
                    raw[key] = value
        params: dict[str, Any] = {}
        for key, value in raw.items():
            if isinstance(value, str) and key in _JSON_PARAMS:
                value = json.loads(value)
            elif isinstance(value, str) and key in _NUMERIC_PARAMS:
                value = json.loads(value)
            params[key] = value
        return params

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        method = request.match_info["method"]
        params = await self._params(request)
        failure = self._take_failure(method, params)
        if failure is not None:
            return await self._fail(request, method, params, failure)
        handler = getattr(self, f"_api_{method}", None)
        if handler is None:
            await self._record(ApiCall(method, params, ok=False, status=404))
            return web.json_response(
                {"ok": False, "error_code": 404, "description": "Not Found: method not found"},
                status=404,
            )
        if method == "getUpdates":
            result = await handler(params)
            await self._record(ApiCall(method, params, result=result))
            return web.json_response({"ok": True, "result": result})
        try:
            result = handler(params)
        except _ApiError as exc:
            await self._record(ApiCall(method, params, ok=False, status=400))
            return web.json_response(
                {"ok": False, "error_code": 400, "description": exc.description}, status=400
            )
        await self._record(ApiCall(method, params, result=result))
        if self.latency is not None:
            await asyncio.sleep(self.latency(method))
        return web.json_response({"ok": True, "result": result})

    async def _fail(
        self, request: web.Request, method: str, params: dict[str, Any], failure: Failure
    ) -> web.StreamResponse:
        await self._record(ApiCall(method, params, ok=False, status=failure.status))
        if failure.delay:
            await asyncio.sleep(failure.delay)
        if failure.disconnect:
            transport = request.transport
            if transport is not None:
                transport.close()
            return web.Response(status=500)
        body: dict[str, Any] = {
            "ok": False,
            "error_code": failure.status,
            "description": failure.description,
        }
        if failure.retry_after is not None:
            body["parameters"] = {"retry_after": failure.retry_after}
        return web.json_response(body, status=failure.status)

    async def _record(self, call: ApiCall) -> None:
        async with self._changed:
            self.calls.append(call)
            self._changed.notify_all()

    def _me(self) -> dict[str, Any]:
        return {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": "MCH Test Bot",
            "username": self.bot_username,
            "can_join_groups": False,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    def _message(self, params: dict[str, Any], **content: Any) -> dict[str, Any]:
        chat_id = params.get("chat_id")
        if not isinstance(chat_id, int):
            raise _ApiError("Bad Request: chat not found")
        message: dict[str, Any] = {
            "message_id": next(self._message_ids[chat_id]),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group"},
            "from": self._me(),
            **content,
        }
        markup = params.get("reply_markup")
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        return message

    def _api_getMe(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._me()

    async def _api_getUpdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        if self.webhook_url is not None:
            return []
        offset = int(params.get("offset") or 0)
        timeout = float(params.get("timeout") or 0)
        async with self._changed:
            self._pending = [u for u in self._pending if u["update_id"] >= offset]
            if not self._pending and timeout > 0:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(timeout):
                        while not self._pending and not self._closing:
                            await self._changed.wait()
            limit = int(params.get("limit") or 100)
            return list(self._pending[:limit])

    def _api_setWebhook(self, params: dict[str, Any]) -> bool:
        self.webhook_url = params.get("url") or None
        self.webhook_secret = params.get("secret_token")
        return True

    def _api_deleteWebhook(self, params: dict[str, Any]) -> bool:
        self.webhook_url = None
        self.webhook_secret = None
        return True

    def _api_getWebhookInfo(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": self.webhook_url or "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._pending),
        }

    def _api_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        text = params.get("text")
        if not text:
            raise _ApiError("Bad Request: message text is empty")
        if len(str(text)) > 4096:
            raise _ApiError("Bad Request: message is too long")
        return self._message(params, text=str(text))

    def _api_sendVenue(self, params: dict[str, Any]) -> dict[str, Any]:
        venue = {
            "location": {"latitude": params["latitude"], "longitude": params["longitude"]},
            "title": params.get("title", ""),
            "address": params.get("address", ""),
        }
        return self._message(params, venue=venue, location=venue["location"])

    def _api_sendLocation(self, params: dict[str, Any]) -> dict[str, Any]:
        location = {"latitude": params["latitude"], "longitude": params["longitude"]}
        return self._message(params, location=location)

    def _api_sendDocument(self, params: dict[str, Any]) -> dict[str, Any]:
        document = params.get("document") or {}
        name = document.get("filename", "file") if isinstance(document, dict) else "file"
        return self._message(
            params,
            document={"file_id": f"doc-{time.time_ns()}", "file_unique_id": "u", "file_name": name},
            caption=params.get("caption"),
        )

    def _edit(self, params: dict[str, Any], **content: Any) -> dict[str, Any]:
        if "chat_id" not in params or "message_id" not in params:
            raise _ApiError("Bad Request: message identifier is not specified")
        message = self._message({**params}, **content)
        message["message_id"] = params["message_id"]
        message["edit_date"] = int(time.time())
        return message

    def _api_editMessageText(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._edit(params, text=str(params.get("text", "")))

    def _api_editMessageReplyMarkup(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._edit(params, text="")

    def _api_answerCallbackQuery(self, params: dict[str, Any]) -> bool:
        return True

    def _ok(self, params: dict[str, Any]) -> bool:
        return True

    _api_setMyCommands = _ok
    _api_deleteMyCommands = _ok
    _api_setChatMenuButton = _ok
    _api_sendChatAction = _ok
    _api_deleteMessage = _ok
    _api_close = _ok
    _api_logOut = _ok


class _ApiError(Exception):
    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = description
