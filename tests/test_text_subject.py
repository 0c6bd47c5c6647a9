"""Who a typed danger sign is about: the writer herself, her pregnancy, her after the
birth, or a child (bot/domain/triage_text.py), in both languages."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bot.domain.danger_words import recognise
from bot.domain.triage import Level, load_rules
from bot.domain.triage_text import Person, TextTriage, triage_text

TODAY = date(2026, 11, 30)
TODDLER = (7, TODAY - timedelta(days=700))
NEWBORN = (8, TODAY - timedelta(days=12))

PREGNANT = Person(pregnant=True, due_date=TODAY + timedelta(days=60))
PARENT = Person(children=(TODDLER,))
PREGNANT_PARENT = Person(pregnant=True, due_date=TODAY + timedelta(days=60), children=(TODDLER,))
AFTER_BIRTH = Person(children=(TODDLER, NEWBORN), postpartum=True)


def _triage(text: str, person: Person) -> TextTriage:
    result = triage_text(recognise(text), person, load_rules(), TODAY)
    assert result is not None, text
    return result


@pytest.mark.parametrize("text", ["我晕倒了", "I fainted", "I just passed out"])
@pytest.mark.parametrize(
    ("person", "subject"),
    [(PREGNANT_PARENT, "pregnancy"), (AFTER_BIRTH, "postpartum")],
)
def test_her_own_fainting_is_hers_not_her_childs(text: str, person: Person, subject: str) -> None:
    result = _triage(text, person)
    assert (result.subject, result.child_id) == (subject, None)
    assert result.data["symptoms"] == ["fainting"]
    assert result.level == Level.EMERGENCY and result.storable


@pytest.mark.parametrize("text", ["我晕倒了", "I fainted"])
def test_a_parent_who_is_not_a_mother_now_is_answered_but_nothing_is_kept(text: str) -> None:
    result = _triage(text, PARENT)
    assert result.level == Level.EMERGENCY  # still "go to care now"
    assert result.child_id is None and not result.storable  # never filed as the toddler's


@pytest.mark.parametrize("text", ["孩子晕倒了", "my son fainted", "宝宝叫不醒"])
def test_a_named_child_still_makes_it_the_childs(text: str) -> None:
    result = _triage(text, PREGNANT_PARENT)
    assert (result.subject, result.child_id) == ("child", TODDLER[0])


@pytest.mark.parametrize("text", ["我出血了，好多", "I'm bleeding heavily", "出了好多血"])
def test_bleeding_after_the_birth_is_a_postpartum_report(text: str) -> None:
    result = _triage(text, AFTER_BIRTH)
    assert result.subject == "postpartum" and result.child_id is None
    assert "heavy_bleeding" in result.data["symptoms"]
    assert result.level == Level.EMERGENCY and result.storable
    assert "postpartum.heavy_bleeding" in result.assessment.reasons


def test_bleeding_in_pregnancy_stays_a_pregnancy_report() -> None:
    result = _triage("I'm bleeding", PREGNANT_PARENT)
    assert result.subject == "pregnancy" and result.data["symptoms"] == ["bleeding"]


def test_lochia_after_the_birth_is_not_a_danger_sign() -> None:
    assert not recognise("恶露还有一点").signs


def test_a_baby_fever_after_the_birth_is_the_newborns() -> None:
    result = _triage("宝宝发烧38.5度", AFTER_BIRTH)
    assert (result.subject, result.child_id) == ("child", NEWBORN[0])
