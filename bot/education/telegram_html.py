"""Check text against the HTML subset Telegram accepts with parse_mode=HTML.

Telegram refuses a whole message whose markup it cannot parse ("can't parse
entities"), so one stray "<" in a content file would silently stop a topic
from ever being delivered. Checking at load time turns that into a failed
test with the line and column of the mistake.

Allowed: <b> <i> <u> <s> <a href> <code> <pre> <blockquote> <tg-spoiler>,
properly nested and closed; <blockquote expandable> and
<code class="language-x"> inside <pre> as Telegram documents them. Every
other "<", ">" and "&" must be written &lt; &gt; &amp; (or &quot; or a
numeric entity, the only other forms Telegram knows).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

ALLOWED_TAGS = frozenset({"b", "i", "u", "s", "a", "code", "pre", "blockquote", "tg-spoiler"})
MAX_MESSAGE_LENGTH = 4096

_ATTRIBUTES = {"a": {"href"}, "blockquote": {"expandable"}, "code": {"class"}}
_ENTITY = re.compile(r"&(?:lt|gt|amp|quot|#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6});")
_NO_NESTING = frozenset({"a", "blockquote"})
_LEAF = frozenset({"code", "pre"})
_MAX_CODE_POINT = 0x10FFFF


def message_length(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units).

    Measured on the marked-up text, which is never shorter than what Telegram
    counts after parsing, so a text that passes here always fits.
    """
    return len(text.encode("utf-16-le")) // 2


def telegram_html_problems(text: str) -> list[str]:
    """Everything wrong with ``text`` as Telegram HTML; empty when it is valid."""
    problems = _entity_problems(text)
    if re.search(r"</\s", text):
        problems.append("'</' followed by a space is not a closing tag; write &lt;/")
    checker = _TagChecker()
    checker.feed(text)
    checker.close()
    return problems + checker.problems


def _entity_problems(text: str) -> list[str]:
    problems = []
    for match in re.finditer("&", text):
        entity = _ENTITY.match(text, match.start())
        snippet = text[match.start() : match.start() + 10]
        if entity is None:
            problems.append(f"bare '&' at offset {match.start()} ({snippet!r}); write &amp;")
        elif entity.group().startswith("&#"):
            digits = entity.group()[2:-1]
            value = int(digits[1:], 16) if digits[0] in "xX" else int(digits)
            if not 0 < value <= _MAX_CODE_POINT:
                problems.append(f"numeric entity {entity.group()} is not a character")
    return problems


class _TagChecker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.problems: list[str] = []
        self._open: list[str] = []

    def _problem(self, message: str) -> None:
        line, column = self.getpos()
        self.problems.append(f"line {line}, column {column + 1}: {message}")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            self._problem(f"<{tag}> is not a tag Telegram allows")
            return
        self._check_attributes(tag, dict(attrs), [name for name, _ in attrs])
        parent = self._open[-1] if self._open else None
        if parent in _LEAF and not (parent == "pre" and tag == "code"):
            self._problem(f"<{tag}> inside <{parent}>: Telegram allows no markup there")
        if tag in _NO_NESTING and tag in self._open:
            self._problem(f"<{tag}> inside another <{tag}>")
        self._open.append(tag)

    def _check_attributes(self, tag: str, attrs: dict[str, str | None], names: list[str]) -> None:
        for name in names:
            if name not in _ATTRIBUTES.get(tag, set()):
                self._problem(f"<{tag}> does not take the attribute {name!r}")
        if tag == "a" and not (attrs.get("href") or "").strip():
            self._problem("<a> needs a non-empty href")
        css_class = attrs.get("class")
        if tag == "code" and css_class is not None and not css_class.startswith("language-"):
            self._problem("<code class=...> must be language-<name>")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._problem(f"<{tag}/>: Telegram has no self-closing tags")

    def handle_endtag(self, tag: str) -> None:
        if tag not in ALLOWED_TAGS:
            self._problem(f"</{tag}> is not a tag Telegram allows")
        elif not self._open:
            self._problem(f"</{tag}> closes nothing")
        elif self._open[-1] != tag:
            self._problem(f"</{tag}> where </{self._open[-1]}> was expected")
            if tag in self._open:  # recover, so one slip is reported once
                del self._open[self._open.index(tag) :]
        else:
            self._open.pop()

    def handle_data(self, data: str) -> None:
        if "<" in data or ">" in data:
            self._problem(f"unescaped '<' or '>' in {data.strip()[:20]!r}; write &lt; or &gt;")

    def handle_comment(self, data: str) -> None:
        self._problem("HTML comments are not allowed")

    def handle_decl(self, decl: str) -> None:
        self._problem(f"<!{decl}> is not allowed")

    def unknown_decl(self, data: str) -> None:
        self._problem(f"<![{data}]> is not allowed")

    def handle_pi(self, data: str) -> None:
        self._problem(f"<?{data}> is not allowed")

    def close(self) -> None:
        super().close()
        for tag in reversed(self._open):
            self.problems.append(f"<{tag}> is never closed")
        self._open.clear()
