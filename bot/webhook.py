"""The webhook endpoint, served by aiohttp.

Several workers can sit behind one URL; each validates Telegram's secret
header (the bot refuses to start in webhook mode without one), records the
update in the inbox (or, while the database is down, in the local spool) and
only then answers 200, so an update Telegram was told we have is never lost
with a crashed worker. A redelivered update is answered 200 and dropped; a
body that is not an update gets 400 (Telegram does not retry those).
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

from bot.processing.intake import Intake, RecordingQueue

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
APP_KEY: web.AppKey[Application[Any, Any, Any, Any, Any, Any]] = web.AppKey("application")
SECRET_KEY: web.AppKey[str | None] = web.AppKey("secret")
INTAKE_KEY: web.AppKey[Intake] = web.AppKey("intake")


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
    update = _parse(payload, application)
    if update is None:
        return web.Response(status=400, text="not an update")
    intake = request.app[INTAKE_KEY]
    try:
        new = await intake.keep(update, payload)
    except OSError:
        # Neither the database nor the spool could keep it: Telegram must try again.
        log.error("could not keep update %s anywhere", update.update_id)
        return web.Response(status=503, text="try again")
    if new:
        queue = application.update_queue
        assert isinstance(queue, RecordingQueue)
        queue.put_recorded(update)
    return web.Response(text="ok")


def _parse(payload: Any, application: Application[Any, Any, Any, Any, Any, Any]) -> Update | None:
    """An Update, or None for anything that is not one (never raises)."""
    if not isinstance(payload, dict) or type(payload.get("update_id")) is not int:
        return None
    try:
        return Update.de_json(payload, application.bot)
    except Exception:
        return None


async def _health(_request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def webhook_path(webhook_url: str) -> str:
    return urlparse(webhook_url).path or "/"


def make_web_app(
    application: Application[Any, Any, Any, Any, Any, Any],
    webhook_url: str,
    secret: str | None,
    intake: Intake,
) -> web.Application:
    app = web.Application()
    app[APP_KEY] = application
    app[SECRET_KEY] = secret
    app[INTAKE_KEY] = intake
    app.router.add_post(webhook_path(webhook_url), _receive)
    app.router.add_get("/healthz", _health)
    return app


async def start_web_server(web_app: web.Application, host: str, port: int) -> web.AppRunner:
    runner = web.AppRunner(web_app, access_log=None)  # access logs would hold chat ids
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner
