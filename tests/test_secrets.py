"""The bot token and the webhook secret are never printed."""

from __future__ import annotations

import pytest

from bot.config import ConfigError, load_settings, reveal

TOKEN = "123456:AAH-very-secret-token"
SECRET = "webhook_secret_value-1"


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("WEBHOOK_SECRET", SECRET)


def test_printing_the_settings_shows_neither_secret() -> None:
    settings = load_settings()
    for shown in (repr(settings), str(settings), settings.model_dump_json(), f"{settings}"):
        assert TOKEN not in shown and SECRET not in shown
    assert reveal(settings.bot_token) == TOKEN
    assert reveal(settings.webhook_token) == SECRET
    assert reveal(None) is None


def test_a_bad_webhook_secret_is_refused_without_echoing_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("WEBHOOK_SECRET", "has spaces and ünïcode")
    with pytest.raises(ConfigError) as error:
        load_settings()
    assert "WEBHOOK_SECRET" in str(error.value)
    assert "ünïcode" not in str(error.value)
