"""/help shows each person the commands they have: mothers theirs, staff and admins more."""

from __future__ import annotations

from bot.devtools.fake_telegram import ApiCall
from bot.devtools.harness import BotHarness
from tests import factories

MOTHER, WORKER, ADMIN = 301, 801, 9000  # 9000 is in ADMIN_IDS (tests/conftest.py)


def personal_menus(harness: BotHarness) -> list[ApiCall]:
    """setMyCommands calls for one chat (the public lists are set at start)."""
    return [
        c for c in harness.telegram.calls if c.method == "setMyCommands" and "scope" in c.params
    ]


async def test_a_mother_sees_only_her_commands(harness: BotHarness) -> None:
    await factories.community(harness.runtime.db, "C001")
    await factories.mother(harness.runtime.db, MOTHER)
    mother = harness.user(MOTHER)
    for language, mothers in (("en", "What I can do"), ("zh-hans", "我可以帮您做这些")):
        mother.language_code = language
        reply = await mother.send("/help")
        assert mothers in reply.text and "/report" in reply.text
        for staff_only in ("/ledger", "/due", "/export", "/introduce", "/invite"):
            assert staff_only not in reply.text
    assert personal_menus(harness) == []  # the public list is hers; nothing personal to set


async def test_staff_see_their_commands_and_get_their_own_menu(harness: BotHarness) -> None:
    await factories.community(harness.runtime.db, "C001")
    await factories.staff(harness.runtime.db, WORKER, ["C001"])
    english = await harness.user(WORKER, language_code="en").send("/help")
    assert "<b>For community health workers</b>" in english.text
    assert "/ledger" in english.text and "/due" in english.text and "/introduce" in english.text
    assert "/report" in english.text and "/invite" not in english.text
    [menu] = personal_menus(harness)
    names = [c["command"] for c in menu.params["commands"]]
    assert "ledger" in names and "invite" not in names
    assert menu.params["scope"]["chat_id"] == WORKER

    worker = harness.user(WORKER, language_code="en")
    await worker.send("/language")
    chinese = await worker.press("中文")  # the help that follows a language change too
    assert "社区医务人员专用" in "\n".join(chinese.texts)


async def test_an_admin_sees_the_invite_command(harness: BotHarness) -> None:
    admin = harness.user(ADMIN)
    for language, title in (("en", "For administrators"), ("zh-hans", "管理员专用")):
        admin.language_code = language
        reply = await admin.send("/help")
        assert title in reply.text and "/invite" in reply.text
        assert "/broadcast:" in reply.text and "/broadcasts:" in reply.text
        assert "/ledger" not in reply.text  # an admin without a staff row has no ledger here
