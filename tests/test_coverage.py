"""Admins can see which communities have nobody to hear their alerts."""

from __future__ import annotations

import logging

import pytest

from bot.config import Settings
from bot.coverage_cli import (
    community_coverage,
    coverage_report,
    describe_gaps,
    people_without_community,
    warn_about_coverage,
)
from storage.db import Database
from tests import factories


async def _world(db: Database) -> None:
    await factories.community(db, "C001")
    await factories.community(db, "C002", name_en="Heping Community")
    await factories.community(db, "C003", name_en="Anle Community")
    await factories.staff(db, 701, ["C001", "C002"])
    await factories.staff(db, 801, ["C001"], role="supervisor")
    await factories.mother(db, 301, community_code="C003")
    await factories.mother(db, 302, community_code=None)


async def test_communities_without_staff_or_supervisor_are_listed(
    db: Database, settings: Settings
) -> None:
    await _world(db)
    async with db.session() as session:
        rows = await community_coverage(session)
        homeless = await people_without_community(session)
    assert [(r.code, r.staff, r.supervisors, r.people) for r in rows] == [
        ("C001", 1, 1, 0),
        ("C002", 1, 0, 0),
        ("C003", 0, 0, 1),
    ]
    gaps = describe_gaps(rows, homeless, settings)
    assert gaps == [
        "C002 Heping Community: no supervisor (0 people; alerts go to the admins)",
        "C003 Anle Community: no staff and no supervisor (1 people; alerts go to the admins)",
        "1 people have no community: their alerts go to the admins",
    ]


async def test_with_no_admins_the_gap_says_alerts_reach_nobody(
    db: Database, settings: Settings
) -> None:
    await _world(db)
    settings.admin_ids = []
    async with db.session() as session:
        gaps = describe_gaps(await community_coverage(session), 0, settings)
    assert gaps[-1].startswith("ADMIN_IDS is empty")


async def test_the_command_exits_1_on_a_gap_and_0_when_covered(
    db: Database, settings: Settings
) -> None:
    await factories.community(db, "C001")
    await factories.staff(db, 701, ["C001"])
    code, text = await coverage_report(db, settings)
    assert code == 1 and "C001\t1\t0\t0\tXingfu Community" in text and "Gaps:" in text
    await factories.staff(db, 801, ["C001"], role="supervisor")
    code, text = await coverage_report(db, settings)
    assert code == 0 and "Every community has staff and a supervisor" in text


def test_the_command_is_registered() -> None:
    from bot.__main__ import build_parser

    args = build_parser().parse_args(["communities", "coverage"])
    assert callable(args.func)
    args = build_parser().parse_args(["rules", "doc", "--check"])
    assert args.check is True


async def test_the_bot_warns_at_start(
    db: Database, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    await _world(db)

    class Runtime:
        pass

    runtime = Runtime()
    runtime.db, runtime.settings = db, settings  # type: ignore[attr-defined]
    with caplog.at_level(logging.WARNING, logger="bot.coverage_cli"):
        await warn_about_coverage(runtime)
    assert any("C003 Anle Community: no staff" in r.getMessage() for r in caplog.records)
