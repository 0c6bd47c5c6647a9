"""Is a word in free text negated ("没有发烧", "no bleeding")?

Shared by fever/massage intents and danger-word detection, which must agree:
a sign the user denies is neither a fever to route nor an emergency to answer.
"""

from __future__ import annotations

import re
from collections.abc import Collection

CLAUSE_BREAK = re.compile(r"[,.;:!?，。；：！？\n]")
_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")
# English negations reach a few words ahead ("not really bleeding"), never past a clause.
NEGATION_WINDOW_WORDS = 3


def negated_before(
    text: str,
    start: int,
    *,
    word_mode: bool,
    negations: Collection[str],
    questions: Collection[str] = (),
) -> bool:
    """True when the term starting at `start` follows a negation.

    Chinese (character mode) looks at what immediately precedes the term; a
    question form ending there ("有没有") is not a denial. English (word mode)
    looks at the last few words of the same clause. `text` is already folded.
    """
    before = text[:start]
    if word_mode:
        clause = CLAUSE_BREAK.split(before)[-1]
        recent = _WORD.findall(clause)[-NEGATION_WINDOW_WORDS:]
        return any(word in negations for word in recent)
    before = before.rstrip()
    if any(before.endswith(q) for q in questions):
        return False
    return any(before.endswith(n) for n in negations)
