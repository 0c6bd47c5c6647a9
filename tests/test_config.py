"""Configuration problems stop the bot with the variable's name."""

from __future__ import annotations

import pytest

from bot.config import ConfigError, load_settings


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.chdir(tmp_path)  # no .env from the developer's checkout
    for name in ("TELEGRAM_BOT_TOKEN", "DATABASE_URL", "ADMIN_IDS", "TIMEZONE", "WEBHOOK_URL"):
        monkeypatch.delenv(name, raising=False)


def test_defaults() -> None:
    settings = load_settings()
    assert settings.database_url == "sqlite+aiosqlite:///mch-bot.sqlite3"
    assert settings.default_locale == "zh_Hans"
    assert settings.timezone == "Asia/Shanghai"
    assert settings.emergency_number == "120"
    assert settings.bot_token is None
    assert not settings.uses_webhook


def test_environment_and_dotenv(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    (tmp_path / ".env").write_text("EMERGENCY_NUMBER=999\nADMIN_IDS=5, 6\n")
    monkeypatch.setenv("DATABASE_URL", "postgres://u@db:5432/mch")
    settings = load_settings()
    assert settings.emergency_number == "999"
    assert settings.admin_ids == {5, 6}
    assert settings.database_url == "postgresql+asyncpg://u@db:5432/mch"


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("TIMEZONE", "Mars/Olympus"),
        ("ADMIN_IDS", "alice"),
        ("DATABASE_URL", "mysql://x"),
        ("DEFAULT_LOCALE", "fr"),
        ("EMERGENCY_NUMBER", "call-me"),
        ("WEBHOOK_SECRET", "has spaces"),
        ("WEBHOOK_URL", "http://example.com/hook"),
        ("WEBHOOK_PORT", "eighty"),
        ("WEBHOOK_MAX_CONNECTIONS", "0"),
        ("ESCALATE_EMERGENCY_MINUTES", "0"),
    ],
)
def test_a_bad_value_names_its_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError) as error:
        load_settings()
    assert f"{variable}:" in str(error.value)
