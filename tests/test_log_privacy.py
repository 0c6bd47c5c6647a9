"""Logs never hold a person: a whole conversation at DEBUG leaves no name, phone, text or id."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from bot.config import Settings
from bot.devtools.harness import BotHarness
from bot.observability import logging as private_logging
from storage.models import User
from tests import factories

MOTHER, STAFF = 5550001234, 5550009876
NAME = "Meiling"
PHONE = "+8613912345678"
TYPED = "I feel a strange ache near my ribs"


@pytest.fixture
def captured(settings: Settings) -> Iterator[io.StringIO]:
    """The bot's own logging setup at DEBUG, writing to a buffer; restored afterwards."""
    root = logging.getLogger()
    saved = (list(root.handlers), root.level, logging.getLogger("sqlalchemy.engine").level)
    buffer = io.StringIO()
    private_logging.configure_logging(
        settings.model_copy(update={"log_format": "json"}), level=logging.DEBUG, stream=buffer
    )
    yield buffer
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in saved[0]:
        root.addHandler(handler)
    root.setLevel(saved[1])
    logging.getLogger("sqlalchemy.engine").setLevel(saved[2])


async def test_a_whole_conversation_at_debug_logs_nothing_personal(
    harness: BotHarness, captured: io.StringIO
) -> None:
    db = harness.runtime.db
    await factories.community(db, "DC01")
    await factories.staff(db, STAFF, ["DC01"], display_name="Worker Wang")
    async with db.session() as session:
        session.add(User(id=STAFF, chat_id=STAFF, locale="en"))

    mother = harness.user(MOTHER, first_name=NAME, language_code="en")
    await mother.send("/start")
    await mother.press("English")
    await mother.press("✅")
    await mother.press("I am pregnant")
    await mother.press("My due date")
    await mother.send("2027-02-01")
    await mother.press("Yes")
    await mother.press("Orange")
    await mother.press("Dongcheng")
    await mother.press("Xingfu")
    await mother.share_contact(PHONE)
    await mother.send(TYPED)
    await mother.send("/report")
    await mother.press("Vaginal bleeding")
    await mother.press("Done")
    await harness.telegram.wait_for(lambda c: c.chat_id == STAFF and "bleeding" in c.text.lower())
    wang = harness.user(STAFF, language_code="en")
    await wang.press("Acknowledge")
    await mother.send("/mydata")

    output = captured.getvalue()
    lines = [json.loads(line) for line in output.splitlines()]
    # The capture really saw the libraries' DEBUG output (their payload lines included).
    assert any(line["level"] == "DEBUG" and line["logger"].startswith("telegram") for line in lines)
    assert any("Calling Bot API endpoint `sendMessage`" in line["msg"] for line in lines)
    for value in (
        NAME,
        PHONE,
        PHONE[3:],
        "2027-02-01",
        TYPED,
        "strange ache",
        str(MOTHER),
        str(STAFF),
        "Worker Wang",
        harness.telegram.token,
    ):
        assert value not in output, value


def test_user_ids_appear_only_as_keyed_hashes(settings: Settings) -> None:
    buffer = io.StringIO()
    root = logging.getLogger()
    saved = list(root.handlers), root.level
    try:
        private_logging.configure_logging(
            settings.model_copy(update={"log_format": "json", "log_hash_key": "k1"}),
            stream=buffer,
        )
        with private_logging.bound(update_id=77, flow="report", step="temp", user=MOTHER):
            logging.getLogger("bot.test").info("answered in %s ms for %s", 12, MOTHER)
        first = private_logging.user_hash(MOTHER)
        private_logging.configure_logging(
            settings.model_copy(update={"log_hash_key": "k2"}), stream=io.StringIO()
        )
        second = private_logging.user_hash(MOTHER)
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in saved[0]:
            root.addHandler(handler)
        root.setLevel(saved[1])
    [line] = [json.loads(raw) for raw in buffer.getvalue().splitlines()]
    assert line["update_id"] == 77 and line["flow"] == "report" and line["step"] == "temp"
    assert line["user"] == first and first != second  # keyed: another key, another hash
    assert line["msg"] == "answered in 12 ms for ‹…›"  # a Telegram-sized id is not shown
    assert str(MOTHER) not in buffer.getvalue()


def test_exception_messages_lose_their_values_but_keep_their_type() -> None:
    record = logging.LogRecord("sqlalchemy.pool", logging.ERROR, __file__, 1, "failed", (), None)
    try:
        raise ValueError(
            "duplicate key (dedupe_key)=(left:5550001234) [parameters: ('Meiling', '13912345678')]"
        )
    except ValueError as error:
        record.exc_info = (type(error), error, error.__traceback__)
    private_logging.PrivacyFilter().filter(record)
    text = private_logging.TextFormatter().format(record)
    assert "builtins.ValueError" in text and "test_log_privacy.py" in text
    for value in ("5550001234", "Meiling", "13912345678"):
        assert value not in text


def test_a_pretty_debug_line_of_a_library_keeps_its_template_not_its_values() -> None:
    record = logging.LogRecord(
        "telegram.Bot",
        logging.DEBUG,
        __file__,
        1,
        "Calling Bot API endpoint `%s` with parameters `%s`",
        ("sendMessage", {"chat_id": MOTHER, "text": "Meiling, 38 weeks"}),
        None,
    )
    private_logging.PrivacyFilter().filter(record)
    assert record.getMessage() == "Calling Bot API endpoint `sendMessage` with parameters `‹…›`"
