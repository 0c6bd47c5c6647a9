"""`python -m bot shell`: chat with the whole bot in a terminal.

The same fake Bot API and harness the tests use, so no Telegram account or
network is needed. Inline buttons are numbered; type the number to press.
`/location LAT LON` shares a location, `/contact PHONE` shares a phone number,
`/as ID [LANGUAGE]` continues as another person (try a report as a mother, then
`/as` back to a `--role staff` user to see the alert).

Every message any of the shell's people receives is printed exactly once: the reply
to what was typed, then whatever the bot sent on its own (alerts, notices), each
headed "(to user N)" when it went to someone other than the person typing. After
each line the shell waits for the bot's outbox to be sent, so an alert appears
right after the report that raised it, however the conversation continues.
"""

from __future__ import annotations

import asyncio
import html
import logging
import re
import sys
from collections.abc import Callable
from typing import TextIO

from sqlmodel import select

from bot import clinics
from bot.cli_locale import cli_translator
from bot.clinics_import import CONTENT_DIR, parse_clinic_file
from bot.communities import SAMPLE_FILE, read_communities
from bot.config import Settings
from bot.devtools.fake_telegram import ApiCall
from bot.devtools.harness import BotHarness, ChatUser, Reply
from storage.communities import replace_communities
from storage.models import Community, Staff, StaffCommunity

_TAG = re.compile(r"<[^>]+>")


def plain(text: str) -> str:
    """Telegram HTML as a person reads it."""
    return html.unescape(_TAG.sub("", text))


Gettext = Callable[[str], str]


def _untranslated(message: str) -> str:
    return message


def render(reply: Reply, _: Gettext = _untranslated) -> str:
    """What the bot did, as a person reads it; ``_`` translates the shell's own labels."""
    lines: list[str] = []
    for answer in reply.answers:
        if answer.params.get("text"):
            lines.append("  " + _("(notice) {text}").format(text=answer.params["text"]))
    for call in reply.calls:
        lines.extend(_render_call(call, _))
    return "\n".join(lines)


def _render_call(call: ApiCall, _: Gettext) -> list[str]:
    lines: list[str] = []
    if call.method == "sendVenue":
        lines.append(f"📍 {call.params.get('title')} — {call.params.get('address')}")
    elif call.method == "sendLocation":
        lines.append(f"📍 {call.params.get('latitude')}, {call.params.get('longitude')}")
    elif call.method == "sendDocument":
        document = call.params.get("document") or {}
        name = document.get("filename") if isinstance(document, dict) else "file"
        lines.append(f"📎 {name} {plain(str(call.params.get('caption') or ''))}".rstrip())
    elif call.method == "editMessageText":
        lines.append(_("(edited) {text}").format(text=plain(call.text)))
    elif call.text:
        lines.append(plain(call.text))
    for number, button in enumerate(call.inline_buttons, start=1):
        lines.append(f"   [{number}] {button['text']}")
    keys = [b["text"] for b in call.keyboard_buttons]
    if keys:
        lines.append("   " + _("keyboard: {keys}").format(keys=" | ".join(keys)))
    if lines:
        lines.append("")
    return lines


async def _say(user: ChatUser, line: str) -> Reply:
    if line.isdigit():
        try:
            buttons = user.last_keyboard_message().inline_buttons
        except AssertionError:
            buttons = []
        index = int(line) - 1
        if 0 <= index < len(buttons):
            return await user.press(buttons[index]["text"])
    parts = line.split()
    if parts and parts[0] == "/location" and len(parts) == 3:
        return await user.share_location(float(parts[1]), float(parts[2]))
    if parts and parts[0] == "/contact" and len(parts) == 2:
        return await user.share_contact(parts[1])
    return await user.send(line)


class Transcript:
    """What the shell has shown, so each message to one of its people appears once."""

    def __init__(self, harness: BotHarness) -> None:
        self.harness = harness
        self.people: set[int] = set()
        self._shown: set[int] = set()  # id() of each ApiCall printed (the list keeps them alive)

    def shown(self, calls: list[ApiCall]) -> None:
        self._shown.update(id(call) for call in calls)

    def unseen(self) -> list[ApiCall]:
        """Calls to any of the shell's people not printed yet, in the order they were made."""
        fresh = [
            call
            for call in self.harness.telegram.calls
            if call.ok and call.chat_id in self.people and id(call) not in self._shown
        ]
        self.shown(fresh)
        return fresh

    async def settle(self) -> None:
        """Let the bot send what it queued (an alert, a notice) before the next line."""
        for service in self.harness.services:
            await service.delivery.drain()


def render_background(calls: list[ApiCall], current: int, _: Gettext = _untranslated) -> str:
    """Messages the bot sent on its own, grouped under the person who received them."""
    blocks: list[str] = []
    by_chat: dict[int | None, list[ApiCall]] = {}
    for call in calls:
        by_chat.setdefault(call.chat_id, []).append(call)
    for chat_id, chat_calls in by_chat.items():
        lines = [] if chat_id == current else [_("(to user {id})").format(id=chat_id)]
        lines.append(render(Reply(chat_calls), _))
        blocks.append("\n".join(lines))
    return "\n".join(blocks)


async def seed_sample_data(harness: BotHarness) -> None:
    """A fresh shell database gets the clearly labelled sample communities and clinics."""

    runtime = harness.runtime
    async with runtime.db.session() as session:
        if (await session.exec(select(Community.code).limit(1))).first() is None:
            await replace_communities(session, read_communities(SAMPLE_FILE))
    if await clinics.is_empty(runtime.db):
        sample = CONTENT_DIR / "sample.csv"
        result = parse_clinic_file(sample)
        await clinics.publish(
            runtime.db,
            result.accepted,
            published=None,
            source_name=sample.name,
            now=runtime.clock.now(),
        )


async def make_staff(harness: BotHarness, user_id: int) -> None:
    """`--role staff`: the shell user looks after every community in the database."""

    async with harness.runtime.db.session() as session:
        if await session.get(Staff, user_id) is None:
            session.add(Staff(user_id=user_id, role="staff", display_name="Shell staff"))
            await session.flush()
            for code in (await session.exec(select(Community.code))).all():
                session.add(StaffCommunity(staff_id=user_id, community_code=code))


async def run_shell(
    settings: Settings,
    *,
    user_id: int,
    language: str | None,
    role: str,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
) -> int:
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    logging.getLogger().setLevel(logging.WARNING)
    interactive = stdin.isatty()
    _ = cli_translator().gettext
    harness = BotHarness(settings)
    async with harness:
        await seed_sample_data(harness)
        if role == "staff":
            await make_staff(harness, user_id)
        user = harness.user(user_id, first_name="Shell", language_code=language)
        transcript = Transcript(harness)
        transcript.people.add(user.id)
        transcript.unseen()  # what start-up sent (none today) is not part of the chat
        if interactive:
            print(
                _(
                    "Chatting as user {id} ({role}). Type messages; numbers press buttons; "
                    "/location LAT LON; /as ID switches person; Ctrl-D to quit."
                ).format(id=user_id, role=role)
                + "\n",
                file=stdout,
            )

        def show_background() -> None:
            background = transcript.unseen()
            if background:
                print(render_background(background, user.id, _), file=stdout, flush=True)

        loop = asyncio.get_running_loop()
        while True:
            show_background()
            if interactive:
                print("> ", end="", file=stdout, flush=True)
            line = await loop.run_in_executor(None, stdin.readline)
            if not line:
                break
            line = line.strip()
            if not line:
                continue
            parts = line.split()
            if parts[0] == "/as" and len(parts) >= 2 and parts[1].isdigit():
                # Switch person, e.g. a mother reporting, then back to the staff member.
                user = harness.user(
                    int(parts[1]),
                    first_name=f"User {parts[1]}",
                    language_code=parts[2] if len(parts) > 2 else language,
                )
                transcript.people.add(user.id)
                print(_("(now chatting as user {id})").format(id=user.id), file=stdout)
                continue
            if not interactive:
                print(f"> {line}", file=stdout)
            reply = await _say(user, line)
            transcript.shown(reply.calls)
            print(render(reply, _) or _("(no reply)"), file=stdout, flush=True)
            await transcript.settle()
        await transcript.settle()
        show_background()
    return 0
