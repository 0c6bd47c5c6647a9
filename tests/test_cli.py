"""The commands a newcomer types on a fresh machine."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _env(tmp_path: Path, lang: str = "C.UTF-8") -> dict[str, str]:
    skip = {"TELEGRAM_BOT_TOKEN", "DATABASE_URL", "LC_ALL", "LC_MESSAGES"}
    env = {k: v for k, v in os.environ.items() if k not in skip}
    env["PYTHONPATH"] = str(ROOT)
    env["LANG"] = lang  # the command line speaks the terminal's language
    return env


def bot(
    tmp_path: Path, *argv: str, env: dict[str, str] | None = None, **options: object
) -> subprocess.CompletedProcess[str]:
    """`python -m bot ARGV` in a fresh directory, as a newcomer would type it."""
    return subprocess.run(  # type: ignore[call-overload, no-any-return]
        [sys.executable, "-m", "bot", *argv],
        cwd=tmp_path,
        env=env or _env(tmp_path),
        capture_output=True,
        text=True,
        **({"timeout": 60} | options),
    )


COMMANDS = ("run", "shell", "db", "communities", "staff", "clinics", "i18n")


def test_help_names_every_command_with_what_it_does(tmp_path: Path) -> None:
    result = bot(tmp_path, "--help")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    for command in COMMANDS:
        # "    clinics      the published list of fever clinics ...": name and description.
        described = [line for line in lines if line.split()[:1] == [command]]
        assert described and len(described[0].split()) > 2, (command, result.stdout)
    assert "fever clinics" in result.stdout


def test_help_is_chinese_on_a_chinese_terminal(tmp_path: Path) -> None:
    result = bot(tmp_path, "--help", env=_env(tmp_path, lang="zh_CN.UTF-8"))
    assert result.returncode == 0, result.stderr
    assert "发热门诊" in result.stdout
    assert "在这个终端里与机器人对话" in result.stdout


def test_run_without_a_token_explains_how_to_get_one(tmp_path: Path) -> None:
    result = bot(tmp_path, "run")
    assert result.returncode == 2
    assert "TELEGRAM_BOT_TOKEN" in result.stderr
    assert "@BotFather" in result.stderr
    assert "python -m bot shell" in result.stderr
    assert "is not set" in result.stderr


def test_run_without_a_token_explains_in_chinese_on_a_chinese_terminal(tmp_path: Path) -> None:
    result = bot(tmp_path, "run", env=_env(tmp_path, lang="zh_CN.UTF-8"))
    assert result.returncode == 2
    assert "没有设置 TELEGRAM_BOT_TOKEN" in result.stderr


def test_run_with_a_bad_variable_names_it(tmp_path: Path) -> None:
    env = _env(tmp_path) | {"TELEGRAM_BOT_TOKEN": "1:x", "TIMEZONE": "Nowhere/Land"}
    result = bot(tmp_path, "run", env=env)
    assert result.returncode == 2
    assert "TIMEZONE" in result.stderr


def test_the_shell_can_be_scripted(tmp_path: Path) -> None:
    result = bot(tmp_path, "shell", "--language", "en", input="/start\n/help\n", timeout=120)
    assert result.returncode == 0, result.stderr
    assert "> /start" in result.stdout
    assert "maternal and child health assistant" in result.stdout
    assert "[2] ✓ English" in result.stdout
    assert "What I can do" in result.stdout
    assert "<b>" not in result.stdout  # shown as a person reads it


def test_db_upgrade_command(tmp_path: Path) -> None:
    env = _env(tmp_path) | {"DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}"}
    result = bot(tmp_path, "db", "upgrade", env=env)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "x.sqlite3").exists()


async def test_run_serves_a_real_process_and_stops_gracefully_on_sigterm(tmp_path: Path) -> None:
    """`python -m bot run` against the fake Bot API: it answers, then SIGTERM stops it cleanly."""
    import asyncio
    import signal

    from bot.devtools.fake_telegram import FakeTelegram

    async with FakeTelegram() as telegram:
        env = _env(tmp_path) | {
            "TELEGRAM_BOT_TOKEN": telegram.token,
            "TELEGRAM_API_BASE_URL": telegram.base_url,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'run.sqlite3'}",
        }
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            cwd=tmp_path,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            # The bot clears any webhook just before it starts long polling.
            await telegram.wait_for(lambda c: c.method == "deleteWebhook", timeout=60)
            await telegram.push_update(
                {
                    "update_id": telegram.next_update_id(),
                    "message": {
                        "message_id": 1,
                        "date": 0,
                        "chat": {"id": 42, "type": "private"},
                        "from": {
                            "id": 42,
                            "is_bot": False,
                            "first_name": "A",
                            "language_code": "en",
                        },
                        "text": "/help",
                        "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
                    },
                }
            )
            reply = await telegram.wait_for(lambda c: c.chat_id == 42, timeout=30)
            assert "What I can do" in reply.text
            process.send_signal(signal.SIGTERM)
            async with asyncio.timeout(30):
                code = await process.wait()
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
        stderr = (await process.stderr.read()).decode() if process.stderr else ""
        assert code == 0, stderr
        assert "stopping" in stderr
        assert "/help" not in stderr  # no message content in the logs
