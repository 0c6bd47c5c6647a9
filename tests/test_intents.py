"""Asking about tuina for a feverish child leads to a fever clinic, not a massage venue."""

from __future__ import annotations

import pytest

from bot.domain.intents import (
    DEFAULT_PATH,
    MassageIntent,
    classify_massage,
    detect_fever_intent,
    load_lexicon,
    read_signals,
)

FEVER_SCRIPT = MassageIntent.MASSAGE_WITH_FEVER_OR_CHILD


@pytest.mark.parametrize(
    "text",
    [
        # zh: massage with a fever
        "宝宝发烧了，可以去推拿吗？",
        "孩子39度，能去做小儿推拿退烧吗",
        "娃烧到38.5，捏脊有用吗",
        "小儿推拿能退烧吗",
        "孩子高烧不退，听说清天河水管用",
        "发热的时候刮痧能降温吗",
        "体温38度5，按摩一下会不会好点",
        "儿子低烧两天了，附近哪里有推拿店",
        "吃了退烧药还不退烧，想去按摩",
        "女儿额头烫，去推拿馆捏捏脊行吗？",
        # zh: massage for a child, with no fever named
        "孩子咳嗽，小儿推拿有用吗",
        "宝宝积食了能推拿吗",
        # en
        "My son has a fever, can I take him for tuina?",
        "Is tui-na good for a toddler's high temp?",
        "baby is 102F, would massage help bring it down",
        "Can spine pinching lower my daughter's fever?",
        "my kid is feverish, is gua sha ok",
        "Where can I get paediatric massage for my child",
        "Is infant massage safe for a newborn with a cold?",
        "temperature 38.8 — is cupping safe?",
        # mixed languages, no spaces
        "宝宝fever可以推拿吗",
    ],
)
def test_massage_with_fever_or_child_gets_the_fever_clinic_script(text):
    assert classify_massage(text) is FEVER_SCRIPT


@pytest.mark.parametrize(
    "text",
    [
        "怀孕腰疼可以按摩吗",
        "孕妇按摩对宝宝有影响吗",
        "孕晚期脚肿，能做足底按摩吗",
        "肩膀酸痛，想去推拿",
        "is prenatal massage safe for back pain",
        "Can I get a massage at 30 weeks pregnant? Worried about the baby",
        "no fever, just a sore back: is massage ok?",
        "Is acupressure safe in the third trimester?",
        "room temperature massage oil for my back",
    ],
)
def test_massage_alone_gets_the_gentle_answer(text):
    assert classify_massage(text) is MassageIntent.MASSAGE_OTHER


@pytest.mark.parametrize(
    "text",
    [
        "宝宝发烧了怎么办",
        "孕妇可以吃什么水果",
        "How do I wash my hands properly?",
        "",
        "Massachusetts is far away",
        "Is it safe to take my baby to the park?",
    ],
)
def test_no_massage_word_means_none(text):
    assert classify_massage(text) is MassageIntent.NONE


@pytest.mark.parametrize(
    "text",
    [
        "宝宝发烧了",
        "孩子发热三天",
        "体温高，怎么办",
        "高烧39度",
        "一直低烧",
        "孩子烧到39.2",
        "宝宝是不是发烧了？",
        "有没有发烧要怎么看",
        "吃了药还不退烧",
        "38度5",
        "体温38",
        "宝宝 ３９℃",
        "He has a fever",
        "my baby feels feverish",
        "her temperature is up",
        "running a temp since last night",
        "high temp and cough",
        "temp of 101 F",
        "39.5c",
        "宝宝39°",
        "reading was 100.4°F this morning",
        "体温是38.1",
        "no cough, but a fever since Monday",
    ],
)
def test_fever_is_detected(text):
    assert detect_fever_intent(text)


@pytest.mark.parametrize(
    "text",
    [
        "宝宝没发烧，就是咳嗽",
        "孩子没有发烧",
        "不发烧，只是流鼻涕",
        "体温36.8",
        "体温37度",
        "孕39周了",
        "he has no fever",
        "She doesn't have a fever",
        "without fever, just a runny nose",
        "36.5 degrees is normal, right?",
        "I am 38 weeks pregnant",
        "Is the water temperature ok for the bath?",
        "外面室温太高",
        "Call 120 now",
        "体温 37.2 度",
        "空调开到20度",
        "101℃",
        "my 2 year old weighs 12 kg",
    ],
)
def test_no_fever(text):
    assert not detect_fever_intent(text)


def test_pregnancy_talk_about_the_baby_is_not_a_child():
    signals = read_signals("怀孕七个月，按摩会影响宝宝吗")
    assert (signals.massage, signals.pregnancy, signals.child, signals.fever) == (
        True,
        True,
        False,
        False,
    )
    # Outside a pregnancy, the same word is a child.
    assert read_signals("按摩会影响宝宝吗").child
    # A fever still wins while pregnant.
    assert classify_massage("怀孕了，宝宝发烧能推拿吗") is FEVER_SCRIPT


def test_word_lists_are_data_and_can_be_extended_without_code(tmp_path):
    extended = DEFAULT_PATH.read_text(encoding="utf-8").replace(
        'massage = [\n    "massag*",', 'massage = [\n    "shiatsu",\n    "massag*",'
    )
    assert extended != DEFAULT_PATH.read_text(encoding="utf-8")
    path = tmp_path / "intents.toml"
    path.write_text(extended, encoding="utf-8")
    text = "is shiatsu ok for my toddler?"
    assert classify_massage(text) is MassageIntent.NONE
    assert classify_massage(text, load_lexicon(path)) is FEVER_SCRIPT


def test_every_language_table_has_the_lists_the_code_reads():
    lexicon = load_lexicon()
    assert {language.locale for language in lexicon.languages} == {"zh_Hans", "en"}
    for language in lexicon.languages:
        for group in ("fever", "massage", "child", "pregnancy"):
            assert language.patterns[group] is not None, (language.locale, group)
    assert lexicon.fever_from_celsius == 37.5


def test_a_malformed_word_list_fails_at_load(tmp_path):
    path = tmp_path / "intents.toml"
    path.write_text(
        '[temperature]\nfever_from_celsius = 37.5\n[en]\nmatch = "word"\nfever = "fever"\n',
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="'fever' must be a list"):
        load_lexicon(path)


@pytest.mark.parametrize(
    "text",
    [
        "孩子不发烧…可以推拿吗",
        "孩子没有发烧，就是流鼻涕，能捏脊吗",
        "my son has no fever, is tuina ok?",
    ],
)
def test_a_child_whose_fever_is_denied_is_not_the_fever_script(text: str) -> None:
    assert classify_massage(text) is MassageIntent.MASSAGE_CHILD_NO_FEVER


@pytest.mark.parametrize("text", ["孩子不退烧，可以推拿吗", "孩子发烧可以推拿吗"])
def test_a_fever_that_persists_is_still_the_fever_script(text: str) -> None:
    assert classify_massage(text) is MassageIntent.MASSAGE_WITH_FEVER_OR_CHILD
