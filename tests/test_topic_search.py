"""Finding a topic from what people actually type, in Chinese and English."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from bot.domain.topic_search import find_topics, stem
from bot.education import load_catalog


@pytest.fixture(scope="module")
def topics():
    return load_catalog().topics


@pytest.mark.parametrize(
    ("text", "best"),
    [
        ("口罩怎么戴", "masks"),
        ("宝宝需要戴N95吗", "masks"),
        ("ＫＮ９５口罩哪里买", "masks"),
        ("开窗通风多久", "ventilation"),
        ("怎么洗手才干净", "hand_washing"),
        ("七步洗手法是什么", "hand_washing"),
        ("带孩子去超市安全吗", "crowded_places"),
        ("体温计怎么用", "home_monitoring"),
        ("宝宝体温多少算正常", "home_monitoring"),
        ("孕妇发烧怎么办", "pregnancy_danger_signs"),
        ("肚子疼还出血了", "pregnancy_danger_signs"),
        ("这两天胎动减少", "pregnancy_danger_signs"),
        ("见红了要去医院吗", "labour_preparation"),
        ("待产包要准备什么", "labour_preparation"),
        ("宝宝发烧38度怎么办", "child_fever"),
        ("孩子发烧可以去推拿吗", "child_fever"),
        ("我阳了还能喂奶吗", "newborn_care_when_ill"),
        ("孕妇可以吃退烧药吗", "medicines_in_pregnancy"),
        ("孕妇能吃布洛芬吗", "medicines_in_pregnancy"),
        ("最近总是睡不着很焦虑", "stress_and_mood"),
        ("产后抑郁怎么办", "stress_and_mood"),
        ("医院不接收怎么办", "emergency_green_channel"),
    ],
)
def test_chinese_phrasings(topics, text, best):
    assert find_topics(text, "zh_Hans", topics)[0] == best


@pytest.mark.parametrize(
    ("text", "best"),
    [
        ("how do I wash hands", "hand_washing"),
        ("Washing my hands properly?", "hand_washing"),
        ("which mask should I wear", "masks"),
        ("Do babies need MASKS?", "masks"),
        ("how long should I open the windows", "ventilation"),
        ("is it safe to go to the supermarket", "crowded_places"),
        ("how to use a thermometer", "home_monitoring"),
        ("I have a headache and blurred vision", "pregnancy_danger_signs"),
        ("baby is not moving much today", "pregnancy_danger_signs"),
        ("contractions every 5 minutes", "labour_preparation"),
        ("what should I pack in my hospital bag", "labour_preparation"),
        ("baby has fever", "child_fever"),
        ("my baby has a fever of 38", "child_fever"),
        ("Is massage good for a child's fever?", "child_fever"),
        ("I'm sick, can I still breastfeed?", "newborn_care_when_ill"),
        ("Can I take ibuprofen while pregnant", "medicines_in_pregnancy"),
        ("I feel anxious and can't sleep", "stress_and_mood"),
        ("the hospital refused to see me", "emergency_green_channel"),
    ],
)
def test_english_phrasings(topics, text, best):
    assert find_topics(text, "en", topics)[0] == best


def test_a_question_can_point_to_more_than_one_topic(topics):
    found = find_topics("my waters broke", "en", topics)
    assert {"pregnancy_danger_signs", "labour_preparation"} <= set(found)


@pytest.mark.parametrize(
    ("text", "locale"),
    [("今天天气怎么样", "zh_Hans"), ("hello", "en"), ("", "en"), ("   ", "zh_Hans")],
)
def test_nothing_matches_small_talk(topics, text, locale):
    assert find_topics(text, locale, topics) == []


def test_keywords_of_the_users_language_only(topics):
    assert find_topics("how do I wash hands", "zh_Hans", topics) == []
    assert find_topics("怎么洗手", "en", topics) == []


@dataclass(frozen=True)
class FakeTopic:
    id: str
    order: int
    words: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def keywords(self, locale: str) -> tuple[str, ...]:
        return self.words.get(locale, ())


def test_every_part_of_a_keyword_must_occur_in_any_order():
    topic = FakeTopic("meds", 1, {"zh_Hans": ("孕妇 退烧药",), "en": ("medicine pregnant",)})
    assert find_topics("退烧药孕妇能用吗", "zh_Hans", [topic]) == ["meds"]
    assert find_topics("孕妇能出门吗", "zh_Hans", [topic]) == []
    assert find_topics("pregnant, which medicines are safe", "en", [topic]) == ["meds"]
    assert find_topics("which medicines are safe", "en", [topic]) == []


def test_more_matched_text_ranks_higher_and_menu_order_breaks_ties():
    general = FakeTopic("general", 1, {"zh_Hans": ("发烧",)})
    specific = FakeTopic("specific", 2, {"zh_Hans": ("孕妇发烧",)})
    twin = FakeTopic("twin", 0, {"zh_Hans": ("发烧",)})
    assert find_topics("孕妇发烧了", "zh_Hans", [general, specific]) == ["specific", "general"]
    assert find_topics("发烧了", "zh_Hans", [general, twin]) == ["twin", "general"]


@pytest.mark.parametrize(
    ("word", "same_as"),
    [
        ("hands", "hand"),
        ("washing", "wash"),
        ("washes", "wash"),
        ("washed", "wash"),
        ("babies", "baby"),
        ("contractions", "contraction"),
        ("breathing", "breathe"),
        ("temperatures", "temperature"),
        ("running", "run"),
        ("children", "child"),
        ("bleeding", "bleed"),
    ],
)
def test_stemming_folds_common_forms(word, same_as):
    assert stem(word) == stem(same_as)


@pytest.mark.parametrize(("word", "other"), [("mask", "mass"), ("fever", "feed"), ("bus", "by")])
def test_stemming_keeps_different_words_apart(word, other):
    assert stem(word) != stem(other)
