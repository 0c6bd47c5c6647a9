"""`python -m bot.observability.healthcheck`: exit 0 when this container's bot answers /healthz.

For Docker's HEALTHCHECK: the slim image has no curl. Webhook mode serves /healthz on
WEBHOOK_PORT, polling mode on METRICS_PORT.
"""

from __future__ import annotations

import sys
import urllib.request

from bot.config import load_settings


def main() -> int:
    settings = load_settings()
    port = settings.webhook_port if settings.uses_webhook else settings.metrics_port
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=3) as response:
            return 0 if response.status == 200 else 1
    except OSError:
        return 1


if __name__ == "__main__":
    sys.exit(main())
