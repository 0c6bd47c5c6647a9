"""Every command speaks the terminal's language: Chinese on a Chinese terminal, else English."""

from __future__ import annotations

import pytest

from bot.cli_locale import cli_locale, cli_translator


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, "en"),
        ({"LANG": "C"}, "en"),
        ({"LANG": "C.UTF-8"}, "en"),
        ({"LANG": "en_GB.UTF-8"}, "en"),
        ({"LANG": "fr_FR.UTF-8"}, "en"),
        ({"LANG": "zh_CN.UTF-8"}, "zh_Hans"),
        ({"LANG": "zh_TW.UTF-8"}, "zh_Hans"),
        ({"LANG": "zh"}, "zh_Hans"),
        # LC_ALL wins over LC_MESSAGES, which wins over LANG, as in every POSIX tool.
        ({"LANG": "zh_CN.UTF-8", "LC_ALL": "en_US.UTF-8"}, "en"),
        ({"LANG": "en_US.UTF-8", "LC_MESSAGES": "zh_CN.UTF-8"}, "zh_Hans"),
        ({"LC_ALL": "", "LANG": "zh_CN.UTF-8"}, "zh_Hans"),  # empty means unset
    ],
)
def test_the_command_line_follows_the_terminal_locale(environ, expected) -> None:
    assert cli_locale(environ) == expected


def test_the_translator_speaks_that_language() -> None:
    zh = cli_translator({"LANG": "zh_CN.UTF-8"})
    en = cli_translator({"LANG": "C"})
    message = "Nothing was changed: the file has no valid rows."
    assert en.gettext(message) == message
    assert zh.gettext(message) != message
