"""The PHQ-2 mood screen's published items (content/triage/phq2.toml).

Both the /report flow and the follow-up check-ins ask it; the wording lives in content,
read once, so neither owns it and a follow-up message never reaches into a handler.
"""

from __future__ import annotations

import functools
import tomllib
from pathlib import Path
from typing import Any

PHQ2_FILE = Path(__file__).resolve().parents[2] / "content" / "triage" / "phq2.toml"


@functools.cache
def phq2() -> dict[str, Any]:
    """The intro, the two questions and the scored answers, by locale."""
    with PHQ2_FILE.open("rb") as fp:
        return tomllib.load(fp)
