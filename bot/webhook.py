"""The webhook endpoint, served by aiohttp.

Several workers can sit behind one URL; each validates Telegram's secret
header and hands the update to its own Application. Anything without the
right secret is refused with 403 before it is parsed.
"""

from __future__ import annotations

import hmac
import json
import logging
from typing import Any
from urllib.parse import urlparse

from aiohttp import web
from telegram import Update
from telegram.ext import Application

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
APP_KEY: web.AppKey[Application[Any, Any, Any, Any, Any, Any]] = web.AppKey("application")
SECRET_KEY: web.AppKey[str | None] = web.AppKey("secret")


async def _receive(request: web.Request) -> web.Response:
    secret = request.app[SECRET_KEY]
    if secret is not None:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), secret.encode()):
            return web.Response(status=403, text="forbidden")
    try:
        payload = await request.json(loads=json.loads)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return web.Response(status=400, text="bad json")
    application = request.app[APP_KEY]
    update = Update.de_json(payload, application.bot)
    if update is None:
        return web.Response(status=400, text="not an update")
    await application.update_queue.put(update)
    return web.Response(text="ok")


async def _health(_request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def webhook_path(webhook_url: str) -> str:
    return urlparse(webhook_url).path or "/"


def make_web_app(
    application: Application[Any, Any, Any, Any, Any, Any], webhook_url: str, secret: str | None
) -> web.Application:
    app = web.Application()
    app[APP_KEY] = application
    app[SECRET_KEY] = secret
    app.router.add_post(webhook_path(webhook_url), _receive)
    app.router.add_get("/healthz", _health)
    return app


async def start_web_server(web_app: web.Application, host: str, port: int) -> web.AppRunner:
    runner = web.AppRunner(web_app, access_log=None)  # access logs would hold chat ids
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner
