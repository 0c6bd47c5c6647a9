"""The health guide: a menu by audience and topic, in both languages, and stage guidance."""

from __future__ import annotations

from datetime import date

import pytest

from bot.clock import ManualClock
from bot.config import Settings
from bot.devtools.fake_telegram import ApiCall
from bot.devtools.harness import BotHarness, Reply
from bot.guide import catalog
from storage.models import Child, Profile
from tests import factories

EVERYONE_ZH = [
    "口罩怎么戴",
    "开窗通风",
    "正确洗手",
    "少去人多密闭处",
    "居家健康监测",
    "急诊绿色通道",
]
PREGNANCY_ZH = ["孕期危险信号", "临产与待产准备", "孕期用药"]
CHILD_FEVER_ZH = "孩子发烧怎么办"


def menu_of(reply: Reply) -> ApiCall:
    """The one message (sent or edited) carrying the topic menu."""
    menus = [
        c
        for c in reply.calls
        if any(b["callback_data"].startswith("g:a:") for b in c.inline_buttons)
    ]
    assert len(menus) == 1, reply.calls
    return menus[0]


def labels(call: ApiCall) -> list[str]:
    return [b["text"] for b in call.inline_buttons]


async def test_a_pregnant_woman_walks_the_guide_in_chinese(harness: BotHarness) -> None:
    await factories.mother(harness.runtime.db, 401, week=30, locale="zh_Hans", community_code=None)
    mother = harness.user(401, language_code="zh-hans")

    reply = await mother.send("/guide")
    menu = menu_of(reply)
    assert menu.method == "sendMessage"
    assert "孕妇关心的话题" in menu.text
    assert labels(menu)[:3] == ["✓ 🤰 孕妇", "👶 家长", "👪 所有人"]
    assert "🗓 本周孕期指导" in labels(menu)
    for title in [*EVERYONE_ZH, *PREGNANCY_ZH]:
        assert title in labels(menu)
    assert CHILD_FEVER_ZH not in labels(menu)

    topic = await mother.press("口罩怎么戴")
    [message] = topic.messages
    assert message.text.startswith("<b>口罩怎么戴</b>")
    assert "2 岁以下的宝宝不能戴口罩" in message.text
    assert "<i>来源：" in message.text and "预防呼吸道传染病公众佩戴口罩指引" in message.text
    assert labels(message) == ["⬅ 返回话题列表"]

    back = await mother.press("返回话题列表")
    menu = menu_of(back)
    assert menu.method == "sendMessage"  # the topic stays readable above the new menu
    assert labels(menu)[0] == "✓ 🤰 孕妇"

    parents = await mother.press("👶 家长")
    menu = menu_of(parents)
    assert menu.method == "editMessageText"  # the tab changes in place
    assert menu.params["message_id"] == back.messages[0].result["message_id"]
    assert "婴幼儿家长关心的话题" in menu.text
    assert labels(menu)[:2] == ["🤰 孕妇", "✓ 👶 家长"]
    assert CHILD_FEVER_ZH in labels(menu)
    assert "孕期危险信号" not in labels(menu)

    everyone = await mother.press("👪 所有人")
    assert [t for t in labels(menu_of(everyone)) if t in [*EVERYONE_ZH, *PREGNANCY_ZH]] == (
        EVERYONE_ZH
    )


async def test_someone_without_a_profile_walks_the_guide_in_english(harness: BotHarness) -> None:
    visitor = harness.user(402, language_code="en")

    reply = await visitor.send("📖 Guide")  # the main-menu button
    menu = menu_of(reply)
    assert "Topics for everyone" in menu.text
    assert labels(menu)[:3] == ["🤰 Pregnant", "👶 Parents", "✓ 👪 Everyone"]
    assert "Washing hands" in labels(menu)
    assert not any(label.startswith("🗓") for label in labels(menu))  # no stage to go by

    topic = await visitor.press("Washing hands")
    assert "at least 20 seconds" in topic.text
    assert "<i>Sources:" in topic.text and "WHO Guidelines on Hand Hygiene" in topic.text
    assert topic.messages[0].params["link_preview_options"] == {"is_disabled": True}

    await visitor.press("Back to topics")
    pregnant = await visitor.press("🤰 Pregnant")
    menu = menu_of(pregnant)
    assert labels(menu)[0] == "✓ 🤰 Pregnant"
    assert "Danger signs: pregnancy" in labels(menu)

    signs = await visitor.press("Danger signs: pregnancy")
    assert "call 120" in signs.text
    back = await visitor.press("Back to topics")
    assert labels(menu_of(back))[0] == "✓ 🤰 Pregnant"  # back where she was


async def test_a_parent_gets_the_parents_tab_and_advice_for_each_childs_age(
    harness: BotHarness,
) -> None:
    await factories.parent(
        harness.runtime.db,
        403,
        [date(2026, 9, 10), date(2023, 5, 1)],
        locale="en",
        community_code=None,
    )
    parent = harness.user(403, language_code="en")
    menu = menu_of(await parent.send("/guide"))
    assert labels(menu)[1] == "✓ 👶 Parents"
    assert "Child with fever" in labels(menu)
    assert "🗓 This week for you" not in labels(menu)

    reply = await parent.press("For your child's age")
    young, older = reply.messages
    assert young.text.startswith("👶 <b>child1</b>")
    assert catalog().stage_message("child_1_6m").render("en", emergency_number="120") in young.text
    assert older.text.startswith("👶 <b>child2</b>")
    assert catalog().stage_message("child_3_6y").render("en", emergency_number="120") in older.text
    assert "<i>Sources:" in young.text and "<i>Sources:" in older.text
    assert labels(older) == ["⬅ Back to topics"] and labels(young) == []


@pytest.mark.parametrize(
    ("locale", "language", "button", "heading"),
    [
        ("zh_Hans", "zh-hans", "本周孕期指导", "<b>孕 37 周：足月了</b>"),
        ("en", "en", "This week for you", "<b>Week 37: full term</b>"),
    ],
)
async def test_at_37_weeks_this_week_for_you_is_the_37_week_message(
    harness: BotHarness, locale: str, language: str, button: str, heading: str
) -> None:
    await factories.mother(harness.runtime.db, 404, week=37, locale=locale, community_code=None)
    mother = harness.user(404, language_code=language)
    await mother.send("/guide")
    reply = await mother.press(button)
    [message] = reply.messages
    assert message.text.startswith(heading)
    assert "120" in message.text
    week_37_39 = catalog().stage_message("pregnancy_w37_39").render(locale, emergency_number="120")
    assert week_37_39 not in message.text  # the single-week message wins over its range
    assert "妇产科学（第9版）" in message.text  # its sources, in either language


async def test_after_a_pregnancy_loss_the_guide_shows_no_pregnancy_content(
    harness: BotHarness,
) -> None:
    await factories.mother(harness.runtime.db, 405, week=37, locale="en", community_code=None)
    mother = harness.user(405, language_code="en")
    assert "🗓 This week for you" in labels(menu_of(await mother.send("/guide")))

    await mother.send("/me")
    await mother.press("My pregnancy has ended")
    await mother.press("I lost my pregnancy")

    # A "this week" button left in the chat from before shows nothing now.
    stale = await mother.press("", data="g:w:pregnant:")
    assert stale.messages == []
    assert stale.answer_text == "There is no stage guidance for you right now."

    menu = menu_of(await mother.send("/guide"))
    assert labels(menu)[:3] == ["🤰 Pregnant", "👶 Parents", "✓ 👪 Everyone"]
    assert not any(label.startswith("🗓") for label in labels(menu))
    assert "Danger signs: pregnancy" not in labels(menu)


@pytest.mark.parametrize("outcome", ["birth", "loss"])
async def test_a_due_date_left_on_file_after_the_pregnancy_brings_no_week_guidance(
    harness: BotHarness, outcome: str
) -> None:
    db = harness.runtime.db
    await factories.mother(db, 406, week=37, locale="en", community_code=None)
    async with db.session() as session:
        profile = await session.get(Profile, 406)
        assert profile is not None
        profile.pregnancy_outcome = outcome  # pregnant still set: the outcome alone must do
        session.add(profile)
    mother = harness.user(406, language_code="en")
    menu = menu_of(await mother.send("/guide"))
    assert "🗓 This week for you" not in labels(menu)
    assert labels(menu)[0] == "🤰 Pregnant"  # not pre-selected either
    assert (await mother.press("", data="g:w::")).messages == []


async def test_the_configured_emergency_number_is_shown(
    settings: Settings, clock: ManualClock
) -> None:
    custom = settings.model_copy(update={"emergency_number": "999"})
    async with BotHarness(custom, clock=clock) as harness:
        visitor = harness.user(407, language_code="en")
        await visitor.send("/guide")
        reply = await visitor.press("Emergency green channel")
    assert "999" in reply.text
    assert "{emergency_number}" not in reply.text


async def test_every_menu_button_carries_a_short_id_only(harness: BotHarness) -> None:
    db = harness.runtime.db
    await factories.mother(db, 408, week=20, locale="zh_Hans", community_code=None)
    async with db.session() as session:  # pregnant with a toddler: every button shows
        profile = await session.get(Profile, 408)
        assert profile is not None
        profile.parent = True
        session.add(profile)
        session.add(Child(user_id=408, birth_date=date(2025, 1, 1), nickname="大宝"))
    mother = harness.user(408, language_code="zh-hans")
    calls = [menu_of(await mother.send("/guide"))]
    for tab in ("👶 家长", "👪 所有人"):
        calls.append(menu_of(await mother.press(tab)))
    for call in calls:
        for button in call.inline_buttons:
            data = button["callback_data"]
            assert data.startswith("g:") and len(data.encode()) <= 64
            assert data.isascii()


async def test_forged_or_stale_guide_buttons_do_no_harm(harness: BotHarness) -> None:
    visitor = harness.user(409, language_code="en")
    await visitor.send("/guide")
    gone = await visitor.press("", data="g:t:no_such_topic:everyone")
    assert gone.messages == [] and gone.answer_text == "This topic is no longer available."
    for data in ("g:a:admin", "g:zz", "g:a"):
        reply = await visitor.press("", data=data)
        assert reply.messages == [] and reply.answers, data
    assert "Washing hands" in (await visitor.press("Washing hands")).text  # still works


async def test_pressing_the_tab_already_shown_is_quietly_accepted(harness: BotHarness) -> None:
    visitor = harness.user(410, language_code="en")
    await visitor.send("/guide")
    harness.telegram.fail(
        "editMessageText",
        chat_id=410,
        status=400,
        description="Bad Request: message is not modified: specified new message content "
        "and reply markup are exactly the same",
    )
    reply = await visitor.press("✓ 👪 Everyone")
    assert reply.messages == [] and reply.answers  # no new menu, and no error message


async def test_a_menu_too_old_to_edit_is_sent_again(harness: BotHarness) -> None:
    visitor = harness.user(411, language_code="en")
    await visitor.send("/guide")
    harness.telegram.fail(
        "editMessageText",
        chat_id=411,
        status=400,
        description="Bad Request: message can't be edited",
    )
    reply = await visitor.press("👶 Parents")
    menu = menu_of(reply)
    assert menu.method == "sendMessage" and labels(menu)[1] == "✓ 👶 Parents"


async def test_after_declining_the_main_menu_opens_the_guide(harness: BotHarness) -> None:
    user = harness.user(412, language_code="en")
    await user.send("/start")
    await user.press("English")
    declined = await user.press("No, thanks")
    keys = [b["text"] for c in declined.calls for b in c.keyboard_buttons]
    assert "📖 Guide" in keys
    menu = menu_of(await user.send("📖 Guide"))
    assert labels(menu)[2] == "✓ 👪 Everyone"


@pytest.mark.parametrize(("language", "guide"), [("en", "📖 Guide"), ("zh-hans", "📖 健康指导")])
async def test_help_brings_back_the_main_menu(
    harness: BotHarness, language: str, guide: str
) -> None:
    reply = await harness.user(413, language_code=language).send("/help")
    keys = [b["text"] for b in reply.calls[-1].keyboard_buttons]
    assert keys[0] == guide and len(keys) == 4


async def test_switching_language_sends_the_menu_in_the_new_language(harness: BotHarness) -> None:
    user = harness.user(414, language_code="en")
    await user.send("/language")
    reply = await user.press("中文")
    keys = [b["text"] for c in reply.calls for b in c.keyboard_buttons]
    assert "📖 健康指导" in keys
