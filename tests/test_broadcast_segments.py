"""Who a broadcast reaches: segment counts on a small population everyone can count by hand."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import col, select

from bot.broadcasts import service
from bot.broadcasts.segments import Segment
from bot.clock import ManualClock
from bot.config import Settings
from bot.i18n import Catalogs
from bot.runtime import Runtime
from storage.db import Database
from storage.models import Profile, User
from tests import factories

# Xingfu (C001, Dongcheng) and Heping (C002, Xicheng).
A, B, C, D, E, F, G, H = 101, 102, 103, 104, 105, 106, 107, 108


async def population(db: Database) -> None:
    await factories.community(db, "C001")
    await factories.community(
        db, "C002", name_zh="和平社区", name_en="Heping", district_zh="西城区",
        district_en="Xicheng District",
    )  # fmt: skip
    await factories.mother(db, A, week=10, locale="en")  # early, green by default (None)
    await factories.mother(db, B, week=38, risk_colour="yellow")  # priority by gestation
    await factories.mother(db, C, week=20, risk_colour="orange", community_code="C002")
    await factories.parent(db, D, [factories.TODAY - timedelta(days=100)], locale="en")
    await factories.parent(
        db, E, [factories.TODAY - timedelta(days=800)], community_code="C002"
    )
    await factories.mother(db, F, week=25)  # paused with /stop
    await factories.mother(db, G, week=30, community_code="C002")  # blocked the bot
    await factories.mother(db, H, week=12)  # lost her pregnancy
    async with db.session() as session:
        for user_id, change in ((F, {"paused": True}), (H, {"pregnancy_outcome": "loss"})):
            profile = await session.get(Profile, user_id)
            assert profile is not None
            for key, value in change.items():
                setattr(profile, key, value)
            session.add(profile)
        blocked = await session.get(User, G)
        assert blocked is not None
        blocked.active = False
        session.add(blocked)


@pytest.fixture
async def runtime(settings: Settings, db: Database, clock: ManualClock) -> Runtime:
    await population(db)
    return Runtime(settings, db, Catalogs(settings.default_locale), clock)


@pytest.mark.parametrize(
    ("segment", "who", "excluded"),
    [
        (Segment(), {A, B, C, D, E, H}, {"paused": 1, "inactive": 1}),
        (Segment(pregnant=True), {A, B, C}, {"paused": 1, "inactive": 1}),
        (Segment(parents=True), {D, E}, {}),
        (Segment(districts=("西城区",)), {C, E}, {"inactive": 1}),
        (Segment(districts=("Xicheng District",), parents=True), {E}, {}),
        (Segment(communities=("C001",)), {A, B, D, H}, {"paused": 1}),
        (Segment(colours=("orange", "red")), {C}, {}),
        (Segment(priority_group=True), {B, C}, {}),
        (Segment(gestation_weeks=(9, 21)), {A, C}, {}),
        (Segment(child_age_months=(0, 6)), {D}, {}),
        (Segment(child_age_months=(12, 36)), {E}, {}),
        (Segment(languages=("en",)), {A, D}, {}),
        (Segment(pregnancy_topic=True), {A, B, C, D, E}, {"paused": 1, "inactive": 1,
                                                          "pregnancy_loss": 1}),
        (Segment(pregnant=True, communities=("C001",), languages=("zh_Hans",)), {B}, {"paused": 1}),
    ],
)
async def test_segments_combine_with_and_and_exclusions_are_counted(
    runtime: Runtime, segment: Segment, who: set[int], excluded: dict[str, int]
) -> None:
    chosen = await service.preview(runtime, Segment.from_json(segment.to_json()))
    assert {p.user_id for p in chosen.recipients} == who
    assert chosen.excluded == excluded


async def test_the_count_per_language_is_what_the_admin_confirms(runtime: Runtime) -> None:
    chosen = await service.preview(runtime, Segment())
    assert chosen.per_language() == {"en": 2, "zh_Hans": 4}


async def test_a_deleted_person_is_in_no_segment(runtime: Runtime, db: Database) -> None:
    async with db.session() as session:
        profile = (await session.exec(select(Profile).where(col(Profile.user_id) == A))).one()
        await session.delete(profile)
    chosen = await service.preview(runtime, Segment())
    assert A not in {p.user_id for p in chosen.recipients}


def test_a_segment_refuses_what_it_does_not_know() -> None:
    with pytest.raises(ValueError):
        Segment.from_json({"ward": ["x"]})
    with pytest.raises(ValueError):
        Segment.from_json({"gestation_weeks": [30, 20]})
    with pytest.raises(ValueError):
        Segment.from_json({"languages": ["fr"]})
