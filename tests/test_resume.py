"""/start after /stop in the middle of onboarding resumes where she was, in both languages."""

from __future__ import annotations

from bot.devtools.harness import BotHarness
from storage.models import Profile
from tests import factories


async def test_stop_mid_onboarding_then_start_resumes_the_question_in_english(
    harness: BotHarness,
) -> None:
    mother = harness.user(501, language_code="en")
    await mother.send("/start")
    await mother.press("English")
    await mother.press("✅ I agree")
    await mother.press("🤰 I am pregnant")
    await mother.send("/stop")
    reply = await mother.send("/start")
    text = "\n".join(reply.texts)
    assert text.count("Welcome back") == 1
    assert "Choose your language" not in text and "your consent" not in text
    assert "How far along is your pregnancy?" in text
    assert "📅 My due date" in reply.buttons
    await mother.press("🔢 How many weeks I am")
    answer = await mother.send("30")
    assert "30 weeks" in answer.text  # the resumed question works as before


async def test_stop_word_mid_onboarding_then_start_resumes_in_chinese(
    harness: BotHarness,
) -> None:
    await factories.community(harness.runtime.db, "C001")
    mother = harness.user(502, language_code="zh-hans")
    await mother.send("/start")
    await mother.press("中文")
    await mother.press("我同意")
    await mother.press("👶 我有0–6岁的孩子")
    await mother.send("退订")
    reply = await mother.send("/start")
    text = "\n".join(reply.texts)
    assert text.count("欢迎回来") == 1
    assert "选择语言" not in text and "同意" not in text
    assert "孩子" in text  # the children's question again, not the language screen
    async with harness.runtime.db.session() as session:
        profile = await session.get(Profile, 502)
    assert profile is not None and not profile.paused and profile.onboarded_at is None


async def test_start_again_mid_question_asks_the_same_question(harness: BotHarness) -> None:
    mother = harness.user(503, language_code="en")
    await mother.send("/start")
    await mother.press("English")
    await mother.press("✅ I agree")
    await mother.press("🤰 I am pregnant")
    await mother.press("📅 My due date")
    reply = await mother.send("/start")
    assert "Welcome back" not in reply.text
    assert "Type your due date" in reply.text


async def test_a_paused_onboarded_mother_is_welcomed_back_once(harness: BotHarness) -> None:
    for user_id, language, welcome in ((504, "en", "Welcome back"), (505, "zh-hans", "欢迎回来")):
        await factories.mother(harness.runtime.db, user_id, community_code=None)
        person = harness.user(user_id, language_code=language)
        await person.send("/stop")
        reply = await person.send("/start")
        assert "\n".join(reply.texts).count(welcome) == 1
        assert len(reply.messages) == 1
