"""The webhook endpoint accepts only Telegram, identified by the secret header."""

from __future__ import annotations

import aiohttp

from bot.devtools.harness import BotHarness


async def _post(harness: BotHarness, headers: dict[str, str]) -> int:
    url = harness.runtime.settings.webhook_url
    assert url is not None
    update = {
        "update_id": harness.telegram.next_update_id(),
        "message": {
            "message_id": 1,
            "date": 0,
            "chat": {"id": 555, "type": "private"},
            "from": {"id": 555, "is_bot": False, "first_name": "X"},
            "text": "/help",
            "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
        },
    }
    async with (
        aiohttp.ClientSession() as client,
        client.post(url, json=update, headers=headers) as resp,
    ):
        return resp.status


async def test_the_bot_registers_its_webhook_with_the_secret(settings, clock) -> None:
    async with BotHarness(settings, clock=clock, webhook=True) as harness:
        assert harness.telegram.webhook_url == harness.runtime.settings.webhook_url
        assert harness.telegram.webhook_secret == "harness-secret"
        [registered] = [c for c in harness.telegram.calls if c.method == "setWebhook"]
        assert registered.params["max_connections"] == 40
        reply = await harness.user(201, language_code="en").send("/help")
        assert "What I can do" in reply.text


async def test_updates_without_the_right_secret_are_refused_with_403(settings, clock) -> None:
    async with BotHarness(settings, clock=clock, webhook=True) as harness:
        assert await _post(harness, {}) == 403
        assert await _post(harness, {"X-Telegram-Bot-Api-Secret-Token": "guess"}) == 403
        assert harness.telegram.sent_to(555) == []
        ok = await _post(harness, {"X-Telegram-Bot-Api-Secret-Token": "harness-secret"})
        assert ok == 200
        sent = await harness.telegram.wait_for(lambda c: c.chat_id == 555)
        assert "What I can do" in sent.text or "我可以" in sent.text


async def test_health_endpoint(settings, clock) -> None:
    async with BotHarness(settings, clock=clock, webhook=True) as harness:
        port = harness.runtime.settings.webhook_port
        async with (
            aiohttp.ClientSession() as client,
            client.get(f"http://127.0.0.1:{port}/healthz") as resp,
        ):
            assert resp.status == 200
            assert (await resp.json())["status"] == "ok"
