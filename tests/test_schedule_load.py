"""The schedule file: the shipped one loads; a bad one is refused with every error named."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

from bot.domain.schedule_load import SCHEDULES_DIR, load_schedule, parse_schedule
from bot.domain.schedule_model import ScheduleError
from bot.education.catalog import load_catalog


def shipped() -> dict[str, Any]:
    return tomllib.loads((SCHEDULES_DIR / "followup.toml").read_text(encoding="utf-8"))


def test_the_shipped_schedule_loads_and_names_real_topics() -> None:
    topics = {t.id for t in load_catalog().topics}
    schedule = load_schedule(topics=topics)
    assert schedule.checkins.priority.every_days == 1
    assert schedule.checkins.routine.ladder == ()
    assert schedule.event("delivery_preparation").topic in topics


def test_a_bad_file_is_refused_naming_every_problem() -> None:
    raw = shipped()
    raw["checkins"]["hour"] = 25
    raw["checkins"]["priority"]["ladder"] = [{"after_hours": 4, "step": "shout"}]
    raw["events"][2]["anchor"] = "last_period_typo"
    raw["events"][3]["cancelled_by"] = ["stop"]
    raw["events"][4]["colour"] = "red"
    raw["events"].append(dict(raw["events"][0]))
    with pytest.raises(ScheduleError) as caught:
        parse_schedule(raw, topics={"labour_preparation"})
    text = "\n".join(caught.value.problems)
    assert "hour must be a whole number from 0 to 23" in text
    assert "step must be one of nudge, reask, task" in text
    assert "'delivery_preparation': anchor must be one of" in text
    assert "cancelled_by must include stop and delete" in text
    assert "unknown key 'colour'" in text
    assert "'pregnancy_stage' is used twice" in text
    assert len(caught.value.problems) >= 6


def test_a_ladder_must_end_in_a_staff_task() -> None:
    raw = shipped()
    raw["checkins"]["priority"]["ladder"] = [{"after_hours": 4, "step": "nudge"}]
    with pytest.raises(ScheduleError, match="must end with a task"):
        parse_schedule(raw)


def test_an_unknown_topic_is_refused() -> None:
    raw = shipped()
    raw["events"][2]["topic"] = "no_such_topic"
    with pytest.raises(ScheduleError, match="topic must name a file"):
        parse_schedule(raw, topics={"labour_preparation"})


def test_invalid_toml_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "x.toml"
    bad.write_text("version = ", encoding="utf-8")
    with pytest.raises(ScheduleError, match="not valid TOML"):
        load_schedule([bad])
