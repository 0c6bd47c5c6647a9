"""Starting and stopping the bot: long polling or webhook, one code path.

`python -m bot run`, the shell and the tests all go through BotService, so
what the tests exercise is what production runs.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from datetime import timedelta
from typing import Any

from aiohttp import web
from telegram import Update
from telegram.error import TelegramError
from telegram.ext import Application

from bot import delivery, retention
from bot.app import OUTAGE_KEY, build_application
from bot.broadcasts import progress as broadcast_progress
from bot.broadcasts import service as broadcast_service
from bot.commands import publish_commands
from bot.config import reveal
from bot.delivery import DeliveryWorker
from bot.escalation import escalate_due
from bot.features import Feature
from bot.followup.runner import FollowupJob
from bot.observability import endpoints
from bot.processing.intake import Intake, RecordingQueue
from bot.processing.recovery import Recovery
from bot.processing.spool import Spool
from bot.runtime import Runtime
from bot.startup import restartable, retry_until_connected
from bot.webhook import make_web_app, start_web_server

log = logging.getLogger(__name__)


class BotService:
    def __init__(
        self,
        runtime: Runtime,
        *,
        application_class: type[Application[Any, Any, Any, Any, Any, Any]] = Application,
        poll_timeout: float = 10.0,
        features: tuple[Feature, ...] | None = None,
    ) -> None:
        self.runtime = runtime
        self.webhook = runtime.settings.uses_webhook
        self.poll_timeout = poll_timeout
        self.application = build_application(
            runtime,
            application_class=application_class,
            polling=not self.webhook,
            features=features,
        )
        self._web: web.AppRunner | None = None
        # The only sender of proactive messages; it also runs escalation on every pass.
        self.delivery = DeliveryWorker(
            runtime,
            self.application.bot,
            lease=timedelta(seconds=runtime.settings.outbox_lease_seconds),
            send_timeout=runtime.settings.send_timeout_seconds,
        )
        self.delivery.jobs.append(lambda: escalate_due(runtime))
        self.delivery.jobs.append(retention.daily_purge(runtime))
        # Scheduled check-ins, stage messages, the non-response ladder and staff digests.
        if runtime.settings.followup_enabled:
            self.delivery.jobs.append(FollowupJob(runtime))
        # Broadcasts: cancelled ones and people mid-conversation wait; progress is edited.
        self.delivery.filters.append(broadcast_service.hold_filter(runtime))
        self.delivery.jobs.append(broadcast_progress.progress_job(runtime))
        self._metrics: web.AppRunner | None = None
        self.application.bot_data[delivery.KEY] = self.delivery
        # Updates are recorded in the inbox before Telegram hears they arrived.
        lease = timedelta(seconds=runtime.settings.inbox_lease_seconds)
        spool = Spool(runtime.settings.spool_dir, self.delivery.id)
        self.intake = Intake(
            runtime.db, self.delivery.id, lease, self.application.bot_data[OUTAGE_KEY], spool
        )
        queue = self.application.update_queue
        assert isinstance(queue, RecordingQueue)
        queue.intake = self.intake
        self.recovery = Recovery(
            runtime.db,
            queue,
            self.intake,
            self.application.bot,
            owner=self.delivery.id,
            lease=lease,
            interval=min(2.0, lease.total_seconds() / 3),
        )

    async def start(self) -> None:
        app = self.application
        settings = self.runtime.settings
        await app.initialize()
        await app.start()
        try:
            await publish_commands(app.bot, self.runtime.catalogs)
        except TelegramError as error:  # the menu is a convenience; the bot works without it
            log.warning("could not publish the command menu: %s", type(error).__name__)
        await self.delivery.start()
        await self.recovery.start()
        if self.webhook:
            assert settings.webhook_url is not None
            web_app = make_web_app(
                app, settings.webhook_url, reveal(settings.webhook_token), self.intake
            )
            endpoints.add_routes(web_app, self.runtime, self.delivery)
            self._web = await start_web_server(
                web_app, settings.webhook_listen, settings.webhook_port
            )
            await app.bot.set_webhook(
                settings.webhook_url,
                secret_token=reveal(settings.webhook_token),
                max_connections=settings.webhook_max_connections,
                allowed_updates=Update.ALL_TYPES,
            )
            log.info("webhook mode: listening on port %s", settings.webhook_port)
        else:
            assert app.updater is not None
            await app.bot.delete_webhook()
            await app.updater.start_polling(
                timeout=self.poll_timeout, allowed_updates=Update.ALL_TYPES
            )
            if settings.metrics_port:
                self._metrics = await endpoints.start_metrics_server(
                    self.runtime, self.delivery, settings.metrics_listen, settings.metrics_port
                )
            log.info("long polling started")

    async def stop(self) -> None:
        """Finish the update in hand, then stop taking new ones."""
        app = self.application
        if app.updater is not None and app.updater.running:
            await app.updater.stop()
        if self._web is not None:
            await self._web.cleanup()
            self._web = None
        if self._metrics is not None:
            await self._metrics.cleanup()
            self._metrics = None
        await self.recovery.stop()
        await self.delivery.stop()
        if app.running:
            await app.stop()
        await app.shutdown()


async def serve(runtime: Runtime) -> None:
    """Run until SIGTERM or SIGINT, then shut down gracefully."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    service = BotService(runtime)
    # No network yet (or Telegram unreachable): one line, then retry with backoff.
    if not await retry_until_connected(restartable(service.start, service.stop), stop, log):
        await runtime.close()
        return
    try:
        await stop.wait()
        log.info("stopping")
    finally:
        await service.stop()
        await runtime.close()
