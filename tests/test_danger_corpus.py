"""The phrase corpus: free text as people write it, against the recogniser and triage.

Every line of tests/corpus/danger_phrases.txt goes through the same path a typed message
takes (recognise -> triage_text with the writer's profile). Emergency phrasings must all
be answered as emergencies (100 % recall); "see a doctor today" phrasings at least that;
look-alikes must alarm (see a doctor today or more) in at most 5 % of cases.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest

from bot.domain.danger_words import default_danger_words, recognise
from bot.domain.gestation import GestationalAge, due_date_from_age
from bot.domain.triage import Level, load_rules
from bot.domain.triage_text import Person, triage_text

CORPUS = Path(__file__).resolve().parent / "corpus" / "danger_phrases.txt"
TODAY = date(2026, 11, 30)
MAX_FALSE_ALARMS = 0.05
WRITERS = {
    "P": Person(pregnant=True, due_date=due_date_from_age(GestationalAge(30, 0), TODAY)),
    "S": Person(pregnant=True, due_date=due_date_from_age(GestationalAge(20, 0), TODAY)),
    "K": Person(children=((1, TODAY - timedelta(days=730)),)),
    "I": Person(children=((2, TODAY - timedelta(days=30)),)),
    "U": Person(),
}
EXPECTED = {"E": Level.EMERGENCY, "T": Level.SEE_DOCTOR_TODAY}


@dataclass(frozen=True)
class Phrase:
    expected: str
    writer: str
    sign: str
    text: str


def phrases() -> list[Phrase]:
    rows = []
    for line in CORPUS.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            expected, writer, sign, text = line.split("|", 3)
            rows.append(Phrase(expected, writer, sign, text))
    return rows


def level_of(phrase: Phrase) -> Level:
    result = triage_text(recognise(phrase.text), WRITERS[phrase.writer], load_rules(), TODAY)
    return Level.ROUTINE if result is None else result.level


def test_the_corpus_is_big_enough_and_covers_every_sign_in_both_languages() -> None:
    rows = phrases()
    assert len(rows) >= 300
    signs = {s.id for s in default_danger_words().signs}
    for sign in signs:
        texts = [p.text for p in rows if p.sign == sign and p.expected != "N"]
        assert any(t.isascii() for t in texts), f"no English positive for {sign}"
        assert any(not t.isascii() for t in texts), f"no Chinese positive for {sign}"
    assert sum(p.expected == "N" for p in rows) >= 100


def test_recall_and_false_alarms(capsys: pytest.CaptureFixture[str]) -> None:
    rows = phrases()
    missed, alarms = [], []
    emergencies = [p for p in rows if p.expected == "E"]
    today = [p for p in rows if p.expected == "T"]
    looks = [p for p in rows if p.expected == "N"]
    for phrase in emergencies + today:
        if level_of(phrase) < EXPECTED[phrase.expected]:
            missed.append(phrase)
    for phrase in looks:
        if level_of(phrase) >= Level.SEE_DOCTOR_TODAY:
            alarms.append(phrase)
    missed_e = [p for p in missed if p.expected == "E"]
    missed_t = [p for p in missed if p.expected == "T"]
    rate = len(alarms) / len(looks)
    with capsys.disabled():
        print(
            f"\ndanger corpus: {len(rows)} phrasings; "
            f"emergency recall {len(emergencies) - len(missed_e)}/{len(emergencies)} "
            f"({100 * (1 - len(missed_e) / len(emergencies)):.1f} %); "
            f"see-today recall {len(today) - len(missed_t)}/{len(today)} "
            f"({100 * (1 - len(missed_t) / len(today)):.1f} %); "
            f"false alarms {len(alarms)}/{len(looks)} ({100 * rate:.1f} %)"
        )
    assert not missed_e, [p.text for p in missed_e]
    assert not missed_t, [p.text for p in missed_t]
    assert rate <= MAX_FALSE_ALARMS, [p.text for p in alarms]
