"""Which language the command line speaks: the operator's terminal locale, English by default.

Every `python -m bot ...` command (help, reports, errors) follows one rule, the one
command-line tools follow everywhere: the POSIX locale of the terminal, read from
LC_ALL, else LC_MESSAGES, else LANG. A locale naming Chinese (``zh_CN.UTF-8``,
``zh_TW``, ``zh``) gives Chinese; anything else, including an unset or ``C`` locale,
gives English. DEFAULT_LOCALE is about the bot's users, not about the person at the
terminal, so it does not decide this.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from bot.i18n import Catalogs, Translator

CLI_DEFAULT_LOCALE = "en"
_LOCALE_VARIABLES = ("LC_ALL", "LC_MESSAGES", "LANG")


def cli_locale(environ: Mapping[str, str] | None = None) -> str:
    """The catalog locale for the command line, from the terminal's locale variables."""
    environ = os.environ if environ is None else environ
    for name in _LOCALE_VARIABLES:
        value = environ.get(name, "").strip()
        if value:
            return "zh_Hans" if value.lower().startswith("zh") else CLI_DEFAULT_LOCALE
    return CLI_DEFAULT_LOCALE


def cli_translator(environ: Mapping[str, str] | None = None) -> Translator:
    return Catalogs(CLI_DEFAULT_LOCALE).get(cli_locale(environ))
