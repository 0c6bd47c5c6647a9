"""/me offers what applies to her and corrects it in place, in both languages."""

from __future__ import annotations

from datetime import date

from sqlmodel import col, select

from bot.devtools.harness import BotHarness, ChatUser, Reply
from storage.models import Child, Profile, ProfileChange
from tests import factories


async def changes(harness: BotHarness, user_id: int) -> list[tuple[str, str | None, str | None]]:
    async with harness.runtime.db.session() as session:
        rows = await session.exec(
            select(ProfileChange)
            .where(ProfileChange.user_id == user_id)
            .order_by(col(ProfileChange.id))
        )
        return [(c.field, c.old_value, c.new_value) for c in rows.all()]


async def child_of(harness: BotHarness, user_id: int) -> Child:
    async with harness.runtime.db.session() as session:
        [child] = (await session.exec(select(Child).where(Child.user_id == user_id))).all()
    return child


async def child_menu(parent: ChatUser) -> Reply:
    """/me, then the edit button of the factory's first child."""
    await parent.send("/me")
    return await parent.press("✏️ child1")


async def test_a_parent_is_not_offered_pregnancy_fields(harness: BotHarness) -> None:
    await factories.community(harness.runtime.db)
    await factories.parent(harness.runtime.db, 701, [date(2025, 3, 1)], locale="en")
    parent = harness.user(701, language_code="en")
    profile = await parent.send("/me")
    labels = " ".join(profile.buttons)
    assert "Pregnancy dates" not in labels and "Risk colour" not in labels
    assert "pregnancy has ended" not in labels
    assert "🤰 I am pregnant" in labels  # she can say so when it happens
    stale = await parent.press("", data="me:pregnancy:")  # from an older /me
    assert "no longer valid" in stale.text

    await parent.press("🤰 I am pregnant")
    await parent.press("How many weeks")
    await parent.send("10")
    colour = await parent.press("Yes")
    assert "risk colour" in colour.text  # a new pregnancy asks for her booklet's colour
    await parent.press("Green")
    async with harness.runtime.db.session() as session:
        now = await session.get(Profile, 701)
    assert now is not None and now.pregnant and now.parent and now.risk_colour == "green"


async def test_a_childs_name_and_birth_date_are_corrected_in_english(harness: BotHarness) -> None:
    await factories.community(harness.runtime.db)
    await factories.parent(harness.runtime.db, 702, [date(2025, 3, 1)], locale="en")
    parent = harness.user(702, language_code="en")
    menu = await child_menu(parent)
    assert "What would you like to change?" in menu.text
    assert menu.buttons == ["✏️ Name", "📅 Birth date", "❌ Remove child1"]
    await parent.press("📅 Birth date")
    saved = await parent.send("2025-04-02")
    assert "Saved: child1, born April 2, 2025." in saved.text
    assert (await child_of(harness, 702)).birth_date == date(2025, 4, 2)

    await child_menu(parent)
    await parent.press("✏️ Name")
    saved = await parent.send("Mimi")
    assert "Saved: Mimi" in saved.text
    child = await child_of(harness, 702)
    assert (child.nickname, child.birth_date) == ("Mimi", date(2025, 4, 2))  # still one child
    assert await changes(harness, 702) == [
        ("child_birth_date", "2025-03-01", "2025-04-02"),
        ("child_nickname", "child1", "Mimi"),
    ]


async def test_a_childs_birth_date_is_corrected_in_chinese(harness: BotHarness) -> None:
    await factories.community(harness.runtime.db)
    await factories.parent(harness.runtime.db, 703, [date(2025, 3, 1)], locale="zh_Hans")
    parent = harness.user(703, language_code="zh-hans")
    menu = await child_menu(parent)
    assert "您想修改什么" in menu.text
    await parent.press("📅 出生日期")
    wrong = await parent.send("2030-01-01")  # a future date is refused, the question stays
    assert (await child_of(harness, 703)).birth_date == date(2025, 3, 1)
    assert "请输入孩子的出生日期" in wrong.text  # asked again, nothing changed
    await parent.send("2025年5月6日")
    assert (await child_of(harness, 703)).birth_date == date(2025, 5, 6)


async def test_correcting_the_due_date_keeps_the_colour_in_chinese(harness: BotHarness) -> None:
    await factories.community(harness.runtime.db)
    await factories.mother(harness.runtime.db, 704, week=30, risk_colour="orange", locale="zh_Hans")
    mother = harness.user(704, language_code="zh-hans")
    await mother.send("/me")
    await mother.press("✏️")
    await mother.press("孕周")
    await mother.send("31")
    done = await mother.press("是")
    assert "风险颜色" not in done.text and "母子健康手册" not in done.text
    async with harness.runtime.db.session() as session:
        profile = await session.get(Profile, 704)
    assert profile is not None and profile.risk_colour == "orange"
    assert "risk_colour" not in [c[0] for c in await changes(harness, 704)]
