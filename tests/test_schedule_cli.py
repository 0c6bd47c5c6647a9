"""`python -m bot schedule preview`: what one person will receive, from the runner's planner."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from bot.__main__ import main
from storage.db import Database
from tests import factories


def test_preview_lists_checkins_and_stage_messages(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    today = datetime.now(UTC).date()

    async def world() -> None:
        db = Database(database_url)
        try:
            await factories.mother(
                db, 2001, week=36, today=today, risk_colour="green", community_code=None
            )
        finally:
            await db.dispose()

    asyncio.run(world())
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("LC_ALL", "en_US.UTF-8")
    assert main(["schedule", "preview", "--user", "2001", "--days", "14"]) == 0
    out = capsys.readouterr().out
    lines = [line for line in out.splitlines() if line[:2] == "20"]
    # 36+0 today: weekly check-ins until 37+0, then daily; delivery preparation once at 37+0.
    assert sum("delivery_preparation:0" in line for line in lines) == 1
    assert any(" checkin  priority" in line for line in lines)
    assert any(" checkin  routine" in line for line in lines)
    assert all(8 <= int(line[11:13]) < 21 for line in lines)
    keys = [line.split()[-1] for line in lines]
    assert len(keys) == len(set(keys))


def test_preview_of_nobody_says_so(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("LC_ALL", "en_US.UTF-8")
    assert main(["schedule", "preview", "--user", "42"]) == 0
    assert "Nothing scheduled" in capsys.readouterr().out
