"""Proactive sending: the outbox worker, its rate limiter and its wake-up hook.

Code that wants a message sent writes an outbox row (`bot.outbox.enqueue`) in
its own transaction; committing wakes this process's worker by itself.
`notify(application)` is there for code that writes rows some other way.
"""

from __future__ import annotations

from typing import Any

from telegram.ext import Application

from bot.delivery import lanes  # noqa: F401  (stores each new row's lane)
from bot.delivery.worker import DeliveryWorker

KEY = "delivery"


def worker_of(application: Application[Any, Any, Any, Any, Any, Any]) -> DeliveryWorker | None:
    worker = application.bot_data.get(KEY)
    return worker if isinstance(worker, DeliveryWorker) else None


def notify(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Ask this process's worker to look at the outbox now."""
    worker = worker_of(application)
    if worker is not None:
        worker.notify()


__all__ = ["KEY", "DeliveryWorker", "notify", "worker_of"]
