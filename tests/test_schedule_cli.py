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
    lines = [line for line in out.splitlines() if line[:2] == "20" and "skip" not in line]
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


def test_preview_shows_what_was_skipped_and_why(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from storage.models import FollowupItem

    async def world() -> None:
        db = Database(database_url)
        try:
            await factories.mother(db, 2001, week=20, risk_colour="green", community_code=None)
            async with db.session() as session:
                session.add(
                    FollowupItem(
                        user_id=2001,
                        key="checkin:2026-11-30",
                        event="checkin",
                        action="checkin",
                        ref="routine",
                        status="late_joiner",
                        token="abcdef",
                        sent_at=factories.T0,
                        expires_at=factories.T0,
                    )
                )
        finally:
            await db.dispose()

    asyncio.run(world())
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("LC_ALL", "en_US.UTF-8")
    assert main(["schedule", "preview", "--user", "2001", "--days", "1"]) == 0
    out = capsys.readouterr().out
    assert "checkin:2026-11-30  [skipped: late_joiner]" in out
