"""A pregnant woman's and a parent's first conversation, in both languages."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bot.devtools.harness import BotHarness, ChatUser
from storage.models import Child, Dialog, Profile, ProfileChange
from tests import factories

TODAY = date(2026, 11, 30)  # the clock fixture's day in Shanghai


@pytest.fixture
async def world(harness: BotHarness) -> BotHarness:
    db = harness.runtime.db
    await factories.community(db, "DC01", name_en="Xingfu Community", name_zh="幸福社区")
    await factories.community(
        db,
        "XC01",
        name_en="Changning Community",
        name_zh="长宁社区",
        district_zh="西城区",
        district_en="Xicheng District",
        latitude=31.22,
        longitude=121.42,
    )
    return harness


async def profile_of(harness: BotHarness, user_id: int) -> Profile | None:
    async with harness.runtime.db.session() as session:
        return await session.get(Profile, user_id)


async def agree(user: ChatUser, language_button: str) -> None:
    await user.send("/start")
    await user.press(language_button)
    reply = await user.press("✅")
    assert reply.buttons  # the role question


async def finish_community_and_phone(user: ChatUser, district: str, community: str) -> str:
    await user.press(district)
    await user.press(community)
    reply = await user.send("Skip" if user.language_code == "en" else "跳过")
    return reply.text


async def test_a_pregnant_woman_onboards_by_due_date_in_english(world: BotHarness) -> None:
    mother = world.user(301, language_code="en")
    await agree(mother, "English")
    await mother.press("I am pregnant")
    await mother.press("My due date")
    reply = await mother.send("2027-02-01")
    assert "You are 31 weeks and 0 days pregnant today" in reply.text
    assert "February 1, 2027" in reply.text
    await mother.press("Yes")
    reply = await mother.press("Orange")
    assert "Which community" in reply.text
    done = await finish_community_and_phone(mother, "Dongcheng", "Xingfu")
    assert "your profile is complete" in done
    profile = await profile_of(world, 301)
    assert profile is not None
    assert (profile.due_date, profile.risk_colour, profile.community_code) == (
        date(2027, 2, 1),
        "orange",
        "DC01",
    )
    assert profile.onboarded_at is not None and profile.consent == "given"
    me = await mother.send("/me")
    assert "31+0 weeks today" in me.text and "Xingfu Community" in me.text


async def test_a_pregnant_woman_onboards_by_last_period_in_chinese(world: BotHarness) -> None:
    mother = world.user(302, language_code="zh-hans")
    await agree(mother, "中文")
    await mother.press("我怀孕了")
    await mother.press("末次月经")
    lmp = TODAY - timedelta(weeks=20, days=3)
    reply = await mother.send(f"{lmp.year}年{lmp.month}月{lmp.day}日")
    assert "孕 20 周 3 天" in reply.text
    await mother.press("是的")
    await mother.press("不知道")
    await finish_community_and_phone(mother, "西城区", "长宁社区")
    profile = await profile_of(world, 302)
    assert profile is not None
    assert profile.due_date == lmp + timedelta(days=280)
    assert profile.dating_method == "last_period"
    assert profile.risk_colour is None


@pytest.mark.parametrize(
    ("language", "buttons", "typed", "expected"),
    [
        ("en", ("English", "I am pregnant", "How many weeks"), "32 weeks 4 days", "32 weeks and 4"),
        ("zh-hans", ("中文", "我怀孕了", "孕周"), "32周4天", "孕 32 周 4 天"),
        ("en", ("English", "I am pregnant", "How many weeks"), "32+4", "32 weeks and 4"),
    ],
)
async def test_a_pregnant_woman_onboards_by_week(
    world: BotHarness, language: str, buttons: tuple[str, str, str], typed: str, expected: str
) -> None:
    mother = world.user(303, language_code=language)
    await agree(mother, buttons[0])
    await mother.press(buttons[1])
    await mother.press(buttons[2])
    reply = await mother.send(typed)
    assert expected in reply.text
    await mother.press("✅")
    profile = await profile_of(world, 303)
    assert profile is not None and profile.due_date is not None
    assert profile.due_date == TODAY + timedelta(days=280 - (32 * 7 + 4))


async def test_a_parent_registers_two_children(world: BotHarness) -> None:
    parent = world.user(304, language_code="en")
    await agree(parent, "English")
    await parent.press("I have a child")
    await parent.send("2024-06-01")
    saved = await parent.send("Mimi")
    assert "Saved: Mimi" in saved.text
    await parent.press("Add another child")
    await parent.send("5 March 2026")
    await parent.press("Skip")
    reply = await parent.press("Done")
    assert "Which community" in reply.text
    await finish_community_and_phone(parent, "Dongcheng", "Xingfu")
    async with world.runtime.db.session() as session:
        from sqlmodel import select

        children = (await session.exec(select(Child).where(Child.user_id == 304))).all()
    assert sorted((c.birth_date, c.nickname) for c in children) == [
        (date(2024, 6, 1), "Mimi"),
        (date(2026, 3, 5), None),
    ]
    profile = await profile_of(world, 304)
    assert profile is not None and profile.parent and not profile.pregnant


async def test_both_pregnant_and_parent_answers_both_sections(world: BotHarness) -> None:
    mother = world.user(305, language_code="zh-hans")
    await agree(mother, "中文")
    await mother.press("两者都是")
    await mother.press("孕周")
    await mother.send("20+0")
    await mother.press("是的")
    reply = await mother.press("绿色")
    assert "孩子的出生日期" in reply.text
    await mother.send("2023-01-01")
    await mother.press("跳过")
    reply = await mother.press("完成")
    assert "社区" in reply.text


@pytest.mark.parametrize(("language", "decline"), [("en", "No, thanks"), ("zh-hans", "不同意")])
async def test_declining_consent_stores_only_the_refusal_and_keeps_education(
    world: BotHarness, language: str, decline: str
) -> None:
    user = world.user(306, language_code=language)
    await user.send("/start")
    await user.press("English" if language == "en" else "中文")
    reply = await user.press(decline)
    keys = [b["text"] for c in reply.calls for b in c.keyboard_buttons]
    assert len(keys) == 4  # the main menu: guide and clinics stay available
    profile = await profile_of(world, 306)
    assert profile is not None and profile.consent == "declined"
    assert profile.display_name is None and profile.due_date is None
    assert not profile.pregnant and not profile.parent and profile.community_code is None
    me = await user.send("/me")
    assert "/start" in me.text


async def test_a_community_poster_link_preselects_the_community(world: BotHarness) -> None:
    mother = world.user(307, language_code="en")
    await mother.send("/start c-XC01")
    await mother.press("English")
    await mother.press("✅")
    await mother.press("I am pregnant")
    await mother.press("How many weeks")
    await mother.send("12")
    await mother.press("Yes")
    reply = await mother.press("Green")
    assert "Is your community <b>Changning Community</b>?" in reply.text
    await mother.press("Yes")
    profile = await profile_of(world, 307)
    assert profile is not None and profile.community_code == "XC01"


async def test_a_shared_location_finds_the_nearest_community(world: BotHarness) -> None:
    parent = world.user(308, language_code="zh-hans")
    await agree(parent, "中文")
    await parent.press("0–6岁")
    await parent.send("2025-01-01")
    await parent.press("跳过")
    await parent.press("完成")
    reply = await parent.share_location(31.221, 121.421)
    assert "长宁社区" in reply.text
    await parent.press("是的")
    profile = await profile_of(world, 308)
    assert profile is not None and profile.community_code == "XC01"


async def test_a_phone_number_is_taken_only_from_the_persons_own_contact(
    world: BotHarness,
) -> None:
    parent = world.user(309, language_code="en")
    await agree(parent, "English")
    await parent.press("I have a child")
    await parent.send("2025-01-01")
    await parent.press("Skip")
    await parent.press("Done")
    await parent.press("Dongcheng")
    await parent.press("Xingfu")
    reply = await parent.share_contact("+8613800000000")
    assert "profile is complete" in reply.text
    profile = await profile_of(world, 309)
    assert profile is not None and profile.phone == "+8613800000000"


async def test_onboarding_resumes_after_a_restart(world: BotHarness) -> None:
    mother = world.user(310, language_code="en")
    await agree(mother, "English")
    await mother.press("I am pregnant")
    await mother.press("How many weeks")
    await world.restart()
    reply = await mother.send("30+2")
    assert "30 weeks and 2 days" in reply.text
    await mother.press("Yes")
    await world.restart()
    reply = await mother.press("Red")
    assert "Which community" in reply.text


async def test_cancel_leaves_the_conversation_and_keeps_what_was_confirmed(
    world: BotHarness,
) -> None:
    mother = world.user(311, language_code="en")
    await agree(mother, "English")
    await mother.press("I am pregnant")
    await mother.press("How many weeks")
    await mother.send("25")
    await mother.press("Yes")
    reply = await mother.send("/cancel")
    assert "Cancelled" in reply.text
    async with world.runtime.db.session() as session:
        assert await session.get(Dialog, 311) is None
    profile = await profile_of(world, 311)
    assert profile is not None and profile.due_date is not None
    stale = await mother.press("Purple")
    assert "already been answered" in stale.answer_text


async def test_corrections_are_kept_in_history(world: BotHarness) -> None:
    mother = world.user(312, language_code="en")
    await agree(mother, "English")
    await mother.press("I am pregnant")
    await mother.press("How many weeks")
    await mother.send("30")
    await mother.press("Yes")
    await mother.press("Green")
    await finish_community_and_phone(mother, "Dongcheng", "Xingfu")
    await mother.send("/me")
    await mother.press("Pregnancy dates")
    await mother.press("My due date")
    await mother.send("2027-01-20")
    reply = await mother.press("Yes")
    assert "Saved" in reply.text  # the colour is not asked again
    async with world.runtime.db.session() as session:
        from sqlmodel import select

        changes = (
            await session.exec(
                select(ProfileChange).where(
                    ProfileChange.user_id == 312, ProfileChange.field == "due_date"
                )
            )
        ).all()
    assert [c.new_value for c in changes][-1] == "2027-01-20"
    assert changes[-1].old_value == (TODAY + timedelta(days=70)).isoformat()


BAD_INPUTS = [
    # (step reached by these presses, typed text, fragment of the answer)
    (("I am pregnant", "My due date"), "tomorrow-ish", "couldn't read that date"),
    (("I am pregnant", "My due date"), "2027-02-30", "doesn't exist"),
    (("I am pregnant", "My due date"), "2020-01-01", "due date"),
    (("I am pregnant", "My due date"), "2030-01-01", "due date"),
    (("I am pregnant", "My due date"), "5/3/2027", "two ways"),
    (("I am pregnant", "My due date"), "", "type a date"),
    (("I am pregnant", "First day"), "2027-01-01", "after today"),
    (("I am pregnant", "First day"), "2020-01-01", "period"),
    (("I am pregnant", "First day"), "13/13/2026", "doesn't exist"),
    (("I am pregnant", "How many weeks"), "3", "4+0"),
    (("I am pregnant", "How many weeks"), "45", "44+0"),
    (("I am pregnant", "How many weeks"), "32+9", "days"),
    (("I am pregnant", "How many weeks"), "many", "32+4"),
    (("I am pregnant", "How many weeks"), "-5", "32+4"),
    (("I have a child",), "2019-01-01", "6"),
    (("I have a child",), "2027-05-01", "after today"),
    (("I have a child",), "yesterday's child", "couldn't read"),
    (("I have a child",), "2025-02-29", "doesn't exist"),
    (("I have a child", "@2024-01-01"), "a" * 30, "20"),
    (("I have a child", "@2024-01-01"), "   ", "nickname"),
    (("I am pregnant",), "hello", "Please choose one of the buttons"),
    ((), "I am pregnant", "Please choose one of the buttons"),
]


@pytest.mark.parametrize(("presses", "typed", "fragment"), BAD_INPUTS)
async def test_bad_input_is_answered_clearly_and_loses_nothing(
    world: BotHarness, presses: tuple[str, ...], typed: str, fragment: str
) -> None:
    user = world.user(320, language_code="en")
    await agree(user, "English")
    for press in presses:
        if press.startswith("@"):
            await user.send(press[1:])
        else:
            await user.press(press)
    async with world.runtime.db.session() as session:
        before = await session.get(Dialog, 320)
        step_before = before.step if before else None
    reply = await user.send(typed or " ")
    assert fragment.lower() in reply.text.lower(), reply.text
    async with world.runtime.db.session() as session:
        after = await session.get(Dialog, 320)
    assert after is not None and after.step == step_before  # still on the same question
    profile = await profile_of(world, 320)
    assert profile is not None and profile.consent == "given"  # nothing already given was lost


async def test_a_bad_date_is_explained_in_chinese(world: BotHarness) -> None:
    mother = world.user(321, language_code="zh-hans")
    await agree(mother, "中文")
    await mother.press("我怀孕了")
    await mother.press("预产期")
    reply = await mother.send("2027-02-30")
    assert "日历上不存在" in reply.text
    assert "预产期" in reply.text  # the question is asked again


@pytest.mark.parametrize(
    ("typed", "weeks", "days"), [("42+1", 42, 1), ("44+0", 44, 0), ("44+1", None, None)]
)
async def test_a_week_past_42_inside_the_allowed_range_is_confirmed_not_crashed(
    world: BotHarness, typed: str, weeks: int | None, days: int | None
) -> None:
    """42+1 to 44+0 is accepted when typed; the confirmation must not re-check it as a
    due date (more than 14 days past) and leave her stuck until /cancel. 44+1 is refused."""
    mother = world.user(309, language_code="en")
    await agree(mother, "English")
    await mother.press("I am pregnant")
    await mother.press("How many weeks")
    reply = await mother.send(typed)
    if weeks is None or days is None:
        assert reply.text and "pregnant today" not in reply.text
        return
    assert f"You are {weeks} weeks and {days} days pregnant today" in reply.text
    await mother.press("✅")
    profile = await profile_of(world, 309)
    assert profile is not None
    assert profile.due_date == TODAY + timedelta(days=280 - (weeks * 7 + days))
