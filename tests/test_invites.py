"""Staff join through one-time, expiring invites an admin creates."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlmodel import select

from bot.clock import ManualClock
from bot.devtools.harness import BotHarness
from storage.models import Staff, StaffCommunity
from tests import factories

ADMIN = 9000  # ADMIN_IDS in the settings fixture


@pytest.fixture
async def communities(harness: BotHarness) -> BotHarness:
    await factories.community(harness.runtime.db, "DC01", name_en="Xingfu Community")
    await factories.community(harness.runtime.db, "DC02", name_en="Heping Community")
    return harness


async def _invite(harness: BotHarness, command: str) -> str:
    reply = await harness.user(ADMIN, language_code="en").send(command)
    link = reply.text.rsplit("\n", 1)[-1]
    assert "start=s-" in link, reply.text
    return link.split("start=", 1)[1]


async def test_an_invite_is_redeemed_once(communities: BotHarness) -> None:
    payload = await _invite(communities, "/invite staff DC01 DC02")
    worker = communities.user(801, language_code="en")
    reply = await worker.send(f"/start {payload}")
    assert "You are now community health worker" in reply.text
    assert "Xingfu Community" in reply.text and "Heping Community" in reply.text
    async with communities.runtime.db.session() as session:
        staff = await session.get(Staff, 801)
        codes = (
            await session.exec(
                select(StaffCommunity.community_code).where(StaffCommunity.staff_id == 801)
            )
        ).all()
    assert staff is not None and staff.role == "staff"
    assert sorted(codes) == ["DC01", "DC02"]

    again = await communities.user(802, language_code="en").send(f"/start {payload}")
    assert "already been used" in again.text
    async with communities.runtime.db.session() as session:
        assert await session.get(Staff, 802) is None


async def test_an_expired_invite_is_refused(communities: BotHarness, clock: ManualClock) -> None:
    payload = await _invite(communities, "/invite supervisor DC01")
    clock.advance(hours=73)
    reply = await communities.user(803, language_code="zh-hans").send(f"/start {payload}")
    assert "已过期" in reply.text
    async with communities.runtime.db.session() as session:
        assert await session.get(Staff, 803) is None


async def test_an_unknown_invite_is_refused(communities: BotHarness) -> None:
    reply = await communities.user(804, language_code="en").send("/start s-not-a-real-token")
    assert "not valid" in reply.text


async def test_only_admins_create_invites(communities: BotHarness) -> None:
    reply = await communities.user(805, language_code="en").send("/invite staff DC01")
    assert "Only administrators" in reply.text


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("/invite", "Usage"),
        ("/invite janitor DC01", "staff or supervisor"),
        ("/invite staff NOPE", "Unknown community codes: NOPE"),
    ],
)
async def test_bad_invite_commands_are_explained(
    communities: BotHarness, command: str, expected: str
) -> None:
    reply = await communities.user(ADMIN, language_code="en").send(command)
    assert expected in reply.text


def test_invites_and_communities_from_the_command_line(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in {"TELEGRAM_BOT_TOKEN", "LC_ALL"}}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    env["LANG"], env["LC_MESSAGES"] = "C.UTF-8", ""
    root = Path(__file__).resolve().parents[1]

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bot", *args],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )

    loaded = run("communities", "import", "content/communities/sample.csv")
    assert loaded.returncode == 0, loaded.stderr
    assert "6 communities loaded" in loaded.stdout
    made = run("staff", "invite", "--community", "DC01", "--bot-username", "mch_bot")
    assert made.returncode == 0, made.stderr
    assert "https://t.me/mch_bot?start=s-" in made.stdout
    refused = run("staff", "invite", "--community", "NOPE")
    assert refused.returncode == 1
    assert "there is no community with the code NOPE" in refused.stderr
    assert "unknown_communities" not in refused.stderr
    both = run(
        "staff", "invite", "--community", "NOPE", "--community", "ZZ9", "--community", "DC01"
    )
    assert "there are no communities with the codes NOPE, ZZ9" in both.stderr
    env["LANG"] = "zh_CN.UTF-8"
    chinese = run("staff", "invite", "--community", "NOPE")
    assert "没有代码为 NOPE 的社区" in chinese.stderr
