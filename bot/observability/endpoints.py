"""/metrics, /readyz and /healthz over aiohttp.

In webhook mode `add_routes` puts them on the webhook server; in polling mode
`start_metrics_server` serves them on METRICS_PORT. /healthz says the process
answers; /readyz says it can do its work: the database answers, its schema is at
the migrations' head, and the delivery worker is running. A load balancer sends
updates only to ready workers; an orchestrator restarts unhealthy ones.
"""

from __future__ import annotations

import asyncio
import functools
from typing import Any

from aiohttp import web
from alembic.script import ScriptDirectory
from sqlalchemy import text

from bot.observability import metrics
from storage.db import alembic_config

RUNTIME_KEY: web.AppKey[Any] = web.AppKey("observability_runtime")
WORKER_KEY: web.AppKey[Any] = web.AppKey("observability_delivery_worker")
CHECK_TIMEOUT = 3.0


@functools.cache
def migrations_head() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def worker_alive(worker: Any) -> bool:
    if worker is None:
        return False
    alive = getattr(worker, "alive", None)
    if alive is not None:
        return bool(alive() if callable(alive) else alive)
    task = getattr(worker, "_task", None)
    return task is not None and not task.done()


async def _select_one(runtime: Any) -> None:
    async with runtime.db.engine.connect() as conn:
        await conn.execute(text("SELECT 1"))


async def _schema_revision(runtime: Any) -> str | None:
    async with runtime.db.engine.connect() as conn:
        result = await conn.execute(text("SELECT version_num FROM alembic_version"))
        return result.scalar_one_or_none()


async def readiness(runtime: Any, worker: Any) -> dict[str, str]:
    """Each check's state: "ok", or a short reason (no exception text: it may hold a URL)."""
    checks: dict[str, str] = {"database": "ok", "migrations": "ok"}
    try:
        await asyncio.wait_for(_select_one(runtime), CHECK_TIMEOUT)
    except Exception as error:  # any failure to reach the database means not ready
        checks["database"] = f"unreachable ({type(error).__name__})"
        checks["migrations"] = "unknown"
    else:
        try:
            revision = await asyncio.wait_for(_schema_revision(runtime), CHECK_TIMEOUT)
        except Exception:
            revision = None
        if revision != migrations_head():
            checks["migrations"] = f"schema at {revision or 'nothing'}, code at {migrations_head()}"
    checks["delivery_worker"] = "ok" if worker_alive(worker) else "not running"
    return checks


async def _readyz(request: web.Request) -> web.Response:
    checks = await readiness(request.app[RUNTIME_KEY], request.app[WORKER_KEY])
    ready = all(state == "ok" for state in checks.values())
    return web.json_response(
        {"status": "ready" if ready else "not ready", "checks": checks},
        status=200 if ready else 503,
    )


async def _metrics(request: web.Request) -> web.Response:
    try:
        body = await metrics.render(request.app[RUNTIME_KEY])
    except Exception:  # the database is down: still show the in-process figures
        body = metrics.generate_latest(metrics.REGISTRY)
    return web.Response(body=body, headers={"Content-Type": metrics.CONTENT_TYPE})


async def _healthz(_request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def add_routes(web_app: web.Application, runtime: Any, delivery_worker: Any) -> None:
    """Serve /metrics and /readyz (and /healthz, unless the app already has one)."""
    web_app[RUNTIME_KEY] = runtime
    web_app[WORKER_KEY] = delivery_worker
    web_app.router.add_get("/metrics", _metrics)
    web_app.router.add_get("/readyz", _readyz)
    paths = {getattr(r, "canonical", None) for r in web_app.router.resources()}
    if "/healthz" not in paths:
        web_app.router.add_get("/healthz", _healthz)


async def start_metrics_server(
    runtime: Any, delivery_worker: Any, host: str, port: int
) -> web.AppRunner:
    """Polling mode: a small server of its own for /metrics, /readyz and /healthz."""
    web_app = web.Application()
    add_routes(web_app, runtime, delivery_worker)
    runner = web.AppRunner(web_app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner
