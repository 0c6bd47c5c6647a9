"""A parent looking for a fever clinic: share a location or pick a district, get the three
nearest places open now and a map pin, in the configured time zone, through the real bot."""

from __future__ import annotations

import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from telegram import Update
from telegram.ext import CommandHandler

from bot import clinics, dialogs
from bot.clinics_import import CONTENT_DIR, parse_clinic_file
from bot.devtools.harness import BotHarness, Reply
from bot.devtools.shell import run_shell, seed_sample_data
from bot.domain.clinics import Place, PlaceType
from bot.domain.opening_hours import parse_opening_hours
from bot.domain.validation_text import explain
from bot.education.telegram_html import telegram_html_problems
from bot.handlers.clinic import FLOW, offer_clinic_directions
from bot.handlers.clinic_text import directions_texts

SHANGHAI = ZoneInfo("Asia/Shanghai")
HOME = (31.23, 121.47)


def place(
    id: str,
    lat: float,
    lon: float = 121.47,
    *,
    hours: str = "24h",
    type: PlaceType = PlaceType.FEVER_CLINIC,
    district: str = "Lakeside",
) -> Place:
    return Place(
        id=id,
        name=f"Clinic {id}",
        type=type,
        district=district,
        address=f"{id} Example Road",
        phone="021-0000-0000",
        lat=lat,
        lon=lon,
        hours=parse_opening_hours(hours),
    )


# A small town around HOME; distances from HOME worked out with the haversine formula.
WEEKDAY = place("weekday", 31.235, hours="Mo-Sa 08:00-17:00; Su off")  # 556 m
NIGHT = place("night", 31.24, hours="Mo-Su 18:00-02:00", type=PlaceType.PAEDIATRIC_FEVER_CLINIC)
ALLDAY = place("allday", 31.21)  # 2224 m
FAR = place("far", 31.28)  # 5560 m
MIDWIFERY = place("midwifery", 31.25, type=PlaceType.EMERGENCY_MIDWIFERY)  # 2224 m
TOWN = [WEEKDAY, NIGHT, ALLDAY, FAR, MIDWIFERY]


async def publish(harness: BotHarness, places: list[Place], published: date | None = None) -> None:
    runtime = harness.runtime
    await clinics.publish(
        runtime.db, places, published=published, source_name="test", now=runtime.clock.now()
    )


async def publish_sample(harness: BotHarness, published: date | None = None) -> None:
    await publish(harness, parse_clinic_file(CONTENT_DIR / "sample.csv").accepted, published)


def at(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def listed(reply: Reply) -> list[str]:
    """The clinic names of the answer, in the order shown."""
    answer = next(c.text for c in reply.messages if c.method == "sendMessage" and "1. " in c.text)
    return [
        line.split("<b>")[1].split("</b>")[0]
        for line in answer.splitlines()
        if line[:1].isdigit() and ". <b>" in line
    ]


def venues(reply: Reply) -> list[str]:
    return [c.params["title"] for c in reply.calls if c.method == "sendVenue"]


# --- location -> three places and a pin ------------------------------------------------------


async def test_a_parent_shares_her_location_and_gets_three_clinics_and_a_pin_in_chinese(
    harness: BotHarness,
) -> None:
    await publish_sample(harness, published=date(2026, 11, 20))
    parent = harness.user(401, language_code="zh-hans")
    asked = await parent.send("/clinic")
    assert "发送您的位置" in asked.text
    location_buttons = [
        b for c in asked.calls for b in c.keyboard_buttons if b.get("request_location")
    ]
    assert [b["text"] for b in location_buttons] == ["📍 发送我的位置"]
    assert asked.buttons == ["云岭区", "明湖区", "松涛区"]

    # Monday 10:00 in Shanghai, standing at HOME in 明湖区.
    reply = await parent.share_location(*HOME)
    assert listed(reply) == [
        "明湖街道社区卫生服务中心发热门诊",  # 200 m, Mo-Sa 08:00-17:00
        "明湖区中心医院发热门诊",  # 750 m, 24 h
        "明湖区儿童医院儿科发热门诊",  # 1.1 km, 24 h
    ]
    text = reply.texts[0]
    assert "200 米" in text and "750 米" in text and "1.1 公里" in text
    assert "示例市明湖区柳岸路 7 号" in text and "021-0000-0104" in text
    assert "✅ 现在开诊，到 17:00" in text
    assert "24 小时开诊" in text
    assert "名单发布日期：2026年11月20日" in text
    # Before going: mask, no public transport, temperature record, under 3 months -> 120.
    for advice in ("口罩", "不坐公交", "体温记录", "不满 3 个月", "拨打 120"):
        assert advice in text
    assert venues(reply) == ["明湖街道社区卫生服务中心发热门诊"]
    assert [c.method for c in reply.messages] == ["sendMessage", "sendVenue"]  # text first
    venue = next(c for c in reply.calls if c.method == "sendVenue")
    assert (venue.params["latitude"], venue.params["longitude"]) == (31.2318, 121.4702)
    assert venue.params["address"] == "示例市明湖区柳岸路 7 号"


async def test_the_same_answer_in_english(harness: BotHarness) -> None:
    await publish_sample(harness, published=date(2026, 11, 20))
    parent = harness.user(402, language_code="en")
    reply = await parent.send("🏥 Fever clinic")  # the main-menu button
    assert "Share your location" in reply.text
    reply = await parent.share_location(*HOME)
    text = reply.texts[0]
    assert text.startswith("<b>Fever clinics nearest to you</b>")
    assert len(listed(reply)) == 3
    assert "200 m" in text and "1.1 km" in text
    assert "Children's fever clinic" in text
    assert "From the list published on November 20, 2026." in text
    for advice in ("mask", "not by bus or metro", "temperatures you measured", "under 3 months"):
        assert advice in text
    assert "call 120" in text
    assert len(venues(reply)) == 1


async def test_the_emergency_number_comes_from_the_configuration(settings, clock) -> None:
    custom = settings.model_copy(update={"emergency_number": "112"})
    async with BotHarness(custom, clock=clock) as harness:
        await publish_sample(harness)
        parent = harness.user(403, language_code="en")
        await parent.send("/clinic")
        reply = await parent.share_location(*HOME)
    assert "call 112" in reply.text and "120" not in reply.text


async def test_a_location_shared_without_asking_gets_the_clinic_answer(harness: BotHarness) -> None:
    await publish_sample(harness)
    reply = await harness.user(404, language_code="en").share_location(*HOME)
    assert len(listed(reply)) == 3
    assert len(venues(reply)) == 1


async def test_a_list_without_a_publication_date_shows_when_it_was_imported(
    harness: BotHarness,
) -> None:
    await publish_sample(harness, published=None)
    reply = await harness.user(405, language_code="en").share_location(*HOME)
    assert "From the list updated on November 30, 2026." in reply.text


# --- opening hours in the configured zone ----------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "expected", "status"),
    [
        # Monday morning: the weekday clinic is nearest and open.
        (at(2026, 11, 30, 10), ["weekday", "allday", "far"], "✅ Open now, until 17:00"),
        # Monday 01:30: Sunday's night clinic is still open, until 02:00.
        (at(2026, 11, 30, 1, 30), ["night", "allday", "far"], "✅ Open now, until 02:00"),
        # Monday 02:00: the night clinic has just closed; the nearest closed one fills the
        # third place with the time it opens.
        (
            at(2026, 11, 30, 2),
            ["allday", "far", "weekday"],
            "⏰ Closed now; opens at 08:00 (Monday)",
        ),
        # Sunday noon: the weekday clinic is closed all day and opens on Monday.
        (
            at(2026, 11, 29, 12),
            ["allday", "far", "weekday"],
            "⏰ Closed now; opens at 08:00 (Monday)",
        ),
        # Saturday 23:00: the night clinic is open past midnight, into Sunday.
        (at(2026, 11, 28, 23), ["night", "allday", "far"], "✅ Open now, until 02:00"),
    ],
)
async def test_open_places_come_first_at_the_moment_of_asking(
    harness: BotHarness, clock, moment: datetime, expected: list[str], status: str
) -> None:
    await publish(harness, TOWN)
    clock.set(moment)
    reply = await harness.user(410, language_code="en").share_location(*HOME)
    assert listed(reply) == [f"Clinic {name}" for name in expected]
    assert status in reply.text
    assert venues(reply) == [f"Clinic {expected[0]}"]


async def test_when_nothing_is_open_the_answer_says_so_and_when_each_opens(
    harness: BotHarness, clock
) -> None:
    await publish(harness, [WEEKDAY, NIGHT])
    clock.set(at(2026, 11, 29, 3))  # Sunday 03:00
    reply = await harness.user(411, language_code="zh-hans").share_location(*HOME)
    assert "这些机构现在都不开诊" in reply.text
    assert listed(reply) == ["Clinic weekday", "Clinic night"]  # nearest first
    assert "⏰ 现在不开诊；星期一 08:00 开诊" in reply.text
    assert "⏰ 现在不开诊；星期日 18:00 开诊" in reply.text


async def test_opening_hours_follow_the_configured_time_zone(settings, clock) -> None:
    # 02:00 UTC on Monday is 10:00 in Shanghai but 02:00 in London (GMT in winter).
    london = settings.model_copy(update={"timezone": "Europe/London"})
    async with BotHarness(london, clock=clock) as harness:
        await publish(harness, TOWN)
        reply = await harness.user(412, language_code="en").share_location(*HOME)
    assert listed(reply) == ["Clinic allday", "Clinic far", "Clinic weekday"]
    assert "opens at 08:00 (Monday)" in reply.text


# --- districts -------------------------------------------------------------------------------


async def test_a_parent_picks_her_district_instead_of_sharing_a_location(
    harness: BotHarness,
) -> None:
    await publish_sample(harness)
    parent = harness.user(420, language_code="zh-hans")
    await parent.send("/clinic")
    reply = await parent.press("松涛区")
    assert reply.texts[0].startswith("<b>松涛区的发热门诊</b>")
    # Only fever clinics, open ones first: no maternity hospital or midwifery unit.
    assert listed(reply) == ["松涛区人民医院发热门诊", "松涛区妇幼保健院儿科发热门诊"]
    assert " 米" not in reply.texts[0]  # no distances without a location
    assert venues(reply) == ["松涛区人民医院发热门诊"]
    async with harness.runtime.db.session() as session:
        assert await dialogs.load(session, 420) is None


async def test_the_district_can_also_be_typed(harness: BotHarness) -> None:
    await publish_sample(harness)
    parent = harness.user(421, language_code="zh-hans")
    await parent.send("/clinic")
    reply = await parent.send("云岭区")
    assert reply.texts[0].startswith("<b>云岭区的发热门诊</b>")


async def test_many_districts_are_shown_a_page_at_a_time(harness: BotHarness) -> None:
    town = [place(f"c{i:02}", 31.2 + i / 100, district=f"District {i:02}") for i in range(11)]
    await publish(harness, town)
    parent = harness.user(422, language_code="en")
    asked = await parent.send("/clinic")
    assert asked.buttons == [f"District {i:02}" for i in range(8)] + ["▶"]
    turned = await parent.press("▶")
    edit = next(c for c in turned.calls if c.method == "editMessageReplyMarkup")
    assert [b["text"] for b in edit.inline_buttons] == [
        "District 08",
        "District 09",
        "District 10",
        "◀",
    ]
    reply = await parent.press("District 09")
    assert listed(reply) == ["Clinic c09"]


async def test_a_district_button_from_an_old_list_asks_again(harness: BotHarness) -> None:
    await publish(harness, [place("old", 31.23, district="Old Town")])
    parent = harness.user(423, language_code="en")
    await parent.send("/clinic")
    await publish(harness, [place("new", 31.23, district="New Town")])
    reply = await parent.press("Old Town")
    assert reply.answer_text == "The list has been updated; please choose again."
    assert parent.buttons() == ["New Town"]


# --- failures and edge cases -----------------------------------------------------------------


async def test_when_the_pin_cannot_be_sent_the_list_still_arrives(harness: BotHarness) -> None:
    await publish_sample(harness)
    parent = harness.user(430, language_code="en")
    harness.telegram.fail("sendVenue", status=400)
    reply = await parent.share_location(*HOME)
    assert len(listed(reply)) == 3
    assert venues(reply) == []
    assert [c.ok for c in harness.telegram.calls if c.method == "sendVenue"] == [False]
    assert "something went wrong" not in reply.text
    # ...and the next request works normally.
    assert len(venues(await parent.share_location(*HOME))) == 1


async def test_with_no_list_published_the_bot_says_so_kindly_with_the_emergency_number(
    harness: BotHarness,
) -> None:
    parent = harness.user(431, language_code="en")
    for reply in (await parent.send("/clinic"), await parent.share_location(*HOME)):
        assert "has not been published" in reply.text
        assert "call 120" in reply.text
        assert venues(reply) == []
    async with harness.runtime.db.session() as session:
        assert await dialogs.load(session, 431) is None


async def test_something_else_typed_instead_of_a_location_is_answered_normally(
    harness: BotHarness,
) -> None:
    await publish_sample(harness)
    parent = harness.user(432, language_code="en")
    await parent.send("/clinic")
    reply = await parent.send("asdfgh")
    assert "did not understand" in reply.text
    async with harness.runtime.db.session() as session:
        assert await dialogs.load(session, 432) is None


async def test_the_question_survives_a_restart(harness: BotHarness) -> None:
    await publish(harness, TOWN)
    await _add_emergency_command(harness)
    mother = harness.user(433, language_code="en")
    await mother.send("/test_emergency")
    await harness.restart()
    reply = await mother.share_location(*HOME)
    assert "Emergency midwifery institutions" in reply.text


async def test_a_new_list_imported_elsewhere_is_used_at_once(harness: BotHarness, db) -> None:
    await publish(harness, TOWN)
    parent = harness.user(434, language_code="en")
    assert listed(await parent.share_location(*HOME))[0] == "Clinic weekday"
    # Another process (the import command) replaces the list through its own connection.
    await clinics.publish(
        db, [place("moved", 31.231)], published=None, source_name="x", now=harness.clock.now()
    )
    assert listed(await parent.share_location(*HOME)) == ["Clinic moved"]


# --- a pregnant woman's emergency (called by /report) ----------------------------------------


async def _add_emergency_command(harness: BotHarness) -> None:
    """Stands in for /report, which calls offer_clinic_directions after an emergency."""

    async def emergency(update: Update, context) -> None:
        await offer_clinic_directions(update, context, pregnant_emergency=True)

    # Ahead of the catch-all handlers of group 0, as a real command would be registered.
    harness.application.handlers[0].insert(0, CommandHandler("test_emergency", emergency))


async def test_a_pregnant_womans_emergency_lists_emergency_midwifery_first(
    harness: BotHarness,
) -> None:
    await publish(harness, TOWN)
    await _add_emergency_command(harness)
    mother = harness.user(440, language_code="en")
    asked = await mother.send("/test_emergency")
    assert "emergency midwifery institutions" in asked.text
    assert "call 120 now" in asked.text
    async with harness.runtime.db.session() as session:
        state = await dialogs.load(session, 440)
    assert state is not None and (state.flow, state.step) == (FLOW, "where")
    assert state.data["mode"] == "e"

    reply = await mother.share_location(*HOME)
    # The midwifery institution is farther than the weekday fever clinic, yet first; the
    # children's night clinic is no use to her and is not listed.
    assert listed(reply) == ["Clinic midwifery", "Clinic weekday", "Clinic allday"]
    assert "Emergency midwifery institution" in reply.text
    assert "maternal and child health booklet" in reply.text
    assert venues(reply) == ["Clinic midwifery"]


async def test_a_pregnant_womans_emergency_by_district_in_chinese(harness: BotHarness) -> None:
    await publish_sample(harness)
    await _add_emergency_command(harness)
    mother = harness.user(441, language_code="zh-hans")
    await mother.send("/test_emergency")
    reply = await mother.press("云岭区")
    assert reply.texts[0].startswith("<b>云岭区的应急助产机构和医院</b>")
    names = listed(reply)
    assert names[0] == "云岭区第一人民医院产科（应急助产）"
    assert "云岭区第二人民医院夜间儿科发热门诊" not in names
    assert "母子健康手册" in reply.text


# --- content and the shell -------------------------------------------------------------------


@pytest.mark.parametrize("locale", ["zh_Hans", "en"])
def test_every_direction_text_is_sourced_valid_telegram_html(locale: str) -> None:
    texts = directions_texts()
    assert {"before_going", "before_going_pregnant", "massage_fever"} <= set(texts)
    for code, entry in texts.items():
        assert entry["source"].strip(), code
        rendered = explain(code, locale, texts, emergency_number="+86 20 1234 5678")
        assert telegram_html_problems(rendered) == [], code
        assert "{" not in rendered and "120" not in rendered, code


async def test_the_shell_seeds_the_sample_list_once(harness: BotHarness) -> None:
    await seed_sample_data(harness)
    directory = await clinics.load_directory(harness.runtime.db)
    assert len(directory.places) == 12
    assert all("SAMPLE" in p.notes for p in directory.places)
    # A list already published (a real one, in a shell database) is never replaced.
    await publish(harness, TOWN)
    await seed_sample_data(harness)
    assert len((await clinics.load_directory(harness.runtime.db)).places) == len(TOWN)


async def test_the_shell_shows_the_clinics_and_the_pin(settings) -> None:
    out = io.StringIO()
    stdin = io.StringIO("/clinic\n/location 31.23 121.47\n")
    assert (
        await run_shell(settings, user_id=1, language="en", role="user", stdin=stdin, stdout=out)
        == 0
    )
    assert "Fever clinics nearest to you" in out.getvalue()
    assert "📍 " in out.getvalue()
