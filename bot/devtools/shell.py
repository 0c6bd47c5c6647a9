"""`python -m bot shell`: chat with the whole bot in a terminal.

The same fake Bot API and harness the tests use, so no Telegram account or
network is needed. Inline buttons are numbered; type the number to press.
`/location LAT LON` shares a location, `/contact PHONE` shares a phone number,
`/as ID [LANGUAGE]` continues as another person (try a report as a mother, then
`/as` back to a `--role staff` user to see the alert).
"""

from __future__ import annotations

import asyncio
import html
import logging
import re
import sys
from typing import TextIO

from bot.config import Settings
from bot.devtools.fake_telegram import ApiCall
from bot.devtools.harness import BotHarness, ChatUser, Reply

_TAG = re.compile(r"<[^>]+>")


def plain(text: str) -> str:
    """Telegram HTML as a person reads it."""
    return html.unescape(_TAG.sub("", text))


def render(reply: Reply) -> str:
    lines: list[str] = []
    for answer in reply.answers:
        if answer.params.get("text"):
            lines.append(f"  (notice) {answer.params['text']}")
    for call in reply.calls:
        lines.extend(_render_call(call))
    return "\n".join(lines)


def _render_call(call: ApiCall) -> list[str]:
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
        lines.append("(edited) " + plain(call.text))
    elif call.text:
        lines.append(plain(call.text))
    for number, button in enumerate(call.inline_buttons, start=1):
        lines.append(f"   [{number}] {button['text']}")
    keys = [b["text"] for b in call.keyboard_buttons]
    if keys:
        lines.append("   keyboard: " + " | ".join(keys))
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


async def seed_sample_data(harness: BotHarness) -> None:
    """A fresh shell database gets the clearly labelled sample communities and clinics."""
    from sqlmodel import select

    from bot import clinics
    from bot.clinics_import import CONTENT_DIR, parse_clinic_file
    from bot.communities import SAMPLE_FILE, read_communities
    from storage.communities import replace_communities
    from storage.models import Community

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
    from sqlmodel import select

    from storage.models import Community, Staff, StaffCommunity

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
    harness = BotHarness(settings)
    async with harness:
        await seed_sample_data(harness)
        if role == "staff":
            await make_staff(harness, user_id)
        user = harness.user(user_id, first_name="Shell", language_code=language)
        shown = len(harness.telegram.calls)
        if interactive:
            print(
                f"Chatting as user {user_id} ({role}). Type messages; numbers press buttons; "
                "/location LAT LON; /as ID switches person; Ctrl-D to quit.\n",
                file=stdout,
            )
        loop = asyncio.get_running_loop()
        while True:
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
                print(f"(now chatting as user {user.id})", file=stdout)
                continue
            # Messages the bot sent on its own (alerts, notices) since the last prompt.
            background = [
                c for c in harness.telegram.calls[shown:] if c.ok and c.chat_id == user.id
            ]
            if background:
                print(render(Reply(background)), file=stdout)
            if not interactive:
                print(f"> {line}", file=stdout)
            reply = await _say(user, line)
            shown = len(harness.telegram.calls)
            print(render(reply) or "(no reply)", file=stdout, flush=True)
    return 0
