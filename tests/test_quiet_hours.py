"""Quiet hours hold messages until the local morning, across midnight and DST."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot import dialogs
from bot.config import ConfigError, load_settings
from bot.dialogs import DialogState
from bot.domain.quiet_hours import QuietHours
from storage.db import Database

SHANGHAI = ZoneInfo("Asia/Shanghai")
NIGHT = QuietHours.parse("21:00-08:00")


@pytest.mark.parametrize(
    ("local", "quiet"),
    [(time(20, 59), False), (time(21, 0), True), (time(3, 0), True), (time(8, 0), False)],
)
def test_a_window_across_midnight(local: time, quiet: bool) -> None:
    assert NIGHT.contains(local) is quiet


def test_a_window_within_one_day_and_an_empty_one() -> None:
    lunch = QuietHours.parse("13:00-14:00")
    assert lunch.contains(time(13, 30)) and not lunch.contains(time(12, 59))
    assert not QuietHours.parse("08:00-08:00").contains(time(8, 0))


def test_a_late_evening_message_waits_for_the_next_local_morning() -> None:
    evening = datetime(2026, 3, 1, 22, 30, tzinfo=SHANGHAI).astimezone(UTC)
    released = NIGHT.release(evening, SHANGHAI)
    assert released.astimezone(SHANGHAI) == datetime(2026, 3, 2, 8, 0, tzinfo=SHANGHAI)
    assert released.tzinfo is UTC


def test_an_early_morning_message_waits_for_the_same_morning() -> None:
    early = datetime(2026, 3, 2, 6, 0, tzinfo=SHANGHAI)
    assert NIGHT.release(early, SHANGHAI) == datetime(2026, 3, 2, 8, 0, tzinfo=SHANGHAI)


def test_a_daytime_message_is_not_held() -> None:
    noon = datetime(2026, 3, 2, 12, 0, tzinfo=SHANGHAI)
    assert NIGHT.release(noon, SHANGHAI) == noon


def test_the_local_hour_is_kept_across_a_dst_change() -> None:
    berlin = ZoneInfo("Europe/Berlin")  # clocks go forward on 2026-03-29
    night = datetime(2026, 3, 28, 23, 0, tzinfo=berlin)
    released = NIGHT.release(night, berlin).astimezone(berlin)
    assert (released.date().isoformat(), released.hour) == ("2026-03-29", 8)


@pytest.mark.parametrize("bad", ["21-08", "25:00-08:00", "21:00-08:61", ""])
def test_bad_windows_are_refused_by_name(bad: str) -> None:
    with pytest.raises(ConfigError, match="QUIET_HOURS"):
        load_settings(QUIET_HOURS=bad)


async def test_a_dialog_holds_messages_until_it_expires(db: Database) -> None:
    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    expiry = timedelta(hours=72)
    async with db.session() as session:
        assert not await dialogs.in_conversation(session, 5, start, expiry)
        await dialogs.save(session, 5, DialogState("report", "symptoms"), start)
    async with db.session() as session:
        assert await dialogs.in_conversation(session, 5, start + timedelta(hours=71), expiry)
        assert not await dialogs.in_conversation(session, 5, start + expiry, expiry)
