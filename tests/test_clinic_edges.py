"""The clinic answer in the reader's language, with the right place first and far ones flagged."""

from __future__ import annotations

import html
from datetime import date

from bot.devtools.harness import BotHarness
from bot.domain.clinics import PlaceType
from bot.domain.opening_hours import day_groups, parse_opening_hours
from tests import factories
from tests.test_clinic_directions import HOME, listed, place, publish, publish_sample, venues

# Between the sample list's Minghu places (content/clinics/sample.csv).
SAMPLE_HOME = (31.2300, 121.4810)

ADULT = place("adult", 31.232, type=PlaceType.FEVER_CLINIC, district="东城区")  # ~220 m
CHILDREN = place("kids", 31.24, type=PlaceType.PAEDIATRIC_FEVER_CLINIC, district="东城区")
WEEKDAYS = place("weekdays", 31.25, hours="Mo-Sa 08:00-17:00; Su off", district="东城区")


async def dongcheng(harness: BotHarness) -> None:
    """The community list knows 东城区 as Dongcheng District; the clinic list only as 东城区."""
    await factories.community(harness.runtime.db, "C001")
    await publish(harness, [ADULT, CHILDREN, WEEKDAYS])


def test_the_week_is_grouped_into_runs_of_equal_days() -> None:
    groups = day_groups(parse_opening_hours("Mo-Sa 08:00-17:00; Su off"))
    assert [(g.first, g.last, bool(g.intervals)) for g in groups] == [(0, 5, True), (6, 6, False)]


async def test_opening_hours_read_in_chinese_and_in_english(harness: BotHarness) -> None:
    await dongcheng(harness)
    chinese = harness.user(801, language_code="zh-hans")
    await chinese.send("/clinic")
    text = (await chinese.share_location(*HOME)).texts[0]
    assert "周一至周六 08:00–17:00 · 周日 休息" in text
    assert "Mo-Sa" not in text and "Su off" not in text
    english = harness.user(802, language_code="en")
    await english.send("/clinic")
    text = (await english.share_location(*HOME)).texts[0]
    assert "Mon–Sat 08:00–17:00 · Sun closed" in text


async def test_district_names_follow_the_reader_and_can_be_typed_either_way(
    harness: BotHarness,
) -> None:
    await dongcheng(harness)
    english = harness.user(803, language_code="en")
    asked = await english.send("/clinic")
    assert asked.buttons == ["Dongcheng District"]
    typed = await english.send("dongcheng")
    assert typed.texts[0].startswith("<b>Fever clinics in Dongcheng District</b>")
    chinese = harness.user(804, language_code="zh-hans")
    asked = await chinese.send("/clinic")
    assert asked.buttons == ["东城区"]
    typed = await chinese.send("东城")  # without 区
    assert typed.texts[0].startswith("<b>东城区的发热门诊</b>")


async def test_a_clinic_a_thousand_km_away_is_listed_with_a_warning(harness: BotHarness) -> None:
    await dongcheng(harness)
    for user_id, language, warning in (
        (805, "en", "probably not in your area"),
        (806, "zh-hans", "很可能不在您所在的地区"),
    ):
        person = harness.user(user_id, language_code=language)
        await person.send("/clinic")
        reply = await person.share_location(39.9, 116.4)  # Beijing, about 1,070 km away
        assert listed(reply)  # still listed: it is the best the list has
        assert warning in reply.texts[0] and "120" in reply.texts[0]
    near = harness.user(807, language_code="en")
    await near.send("/clinic")
    assert "probably not in your area" not in (await near.share_location(*HOME)).texts[0]


async def test_a_parent_of_an_infant_sees_the_childrens_fever_clinic_first(
    harness: BotHarness,
) -> None:
    await dongcheng(harness)
    await factories.parent(harness.runtime.db, 808, [date(2026, 9, 1)], locale="en")
    parent = harness.user(808, language_code="en")
    await parent.send("/clinic")
    assert listed(await parent.share_location(*HOME))[0] == "Clinic kids"
    # A pregnant woman asking for herself gets the nearest, the adult clinic.
    await factories.mother(harness.runtime.db, 809, locale="zh_Hans")
    mother = harness.user(809, language_code="zh-hans")
    await mother.send("/clinic")
    assert listed(await mother.share_location(*HOME))[0] == "Clinic adult"
    # Whoever writes "my baby has a fever" is asking for a child.
    stranger = harness.user(810, language_code="en")
    await stranger.send("my baby has a fever")
    assert listed(await stranger.share_location(*HOME))[0] == "Clinic kids"


async def test_clinic_names_and_addresses_follow_the_reader_where_the_list_gives_english(
    harness: BotHarness,
) -> None:
    await publish_sample(harness)
    english = harness.user(811, language_code="en")
    await english.send("/clinic")
    reply = await english.share_location(*SAMPLE_HOME)
    text = html.unescape(reply.texts[0])
    assert "Minghu District Children's Hospital, Paediatric Fever Clinic" in text
    assert "18 Qingfeng Street, Minghu District, Sample City" in text
    assert "明湖区儿童医院" not in text and "示例市" not in text
    assert html.escape(venues(reply)[0]) in listed(reply)
    chinese = harness.user(812, language_code="zh-hans")
    await chinese.send("/clinic")
    reply = await chinese.share_location(*SAMPLE_HOME)
    assert "明湖区儿童医院儿科发热门诊" in reply.texts[0]
    assert "Minghu" not in reply.texts[0]
    assert html.escape(venues(reply)[0]) in listed(reply)


async def test_a_list_without_english_columns_shows_the_published_name_in_english(
    harness: BotHarness,
) -> None:
    await dongcheng(harness)
    english = harness.user(813, language_code="en")
    await english.send("/clinic")
    reply = await english.share_location(*HOME)
    assert "Clinic adult" in listed(reply)
