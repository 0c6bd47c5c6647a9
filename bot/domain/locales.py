"""The languages the bot speaks: the one list every catalog, content file and setting uses.

Catalog names (Babel): ``zh_Hans`` is Simplified Chinese, ``en`` English. Content
files (TOML) carry one text per locale here, and the checks reject a file that lacks one.
"""

from __future__ import annotations

SUPPORTED_LOCALES: tuple[str, ...] = ("zh_Hans", "en")
