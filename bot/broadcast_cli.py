"""`python -m bot broadcast ...`: the same broadcast service as /broadcast, from a terminal.

    count   [segment options]                     who would receive it, per language
    send    --admin-id N --text-zh ... [--text-en ...] [segment] [--urgent] [--at ISO]
            [--follow]                            queue it (or a draft for a second admin)
    confirm ID --admin-id N                       a second admin releases a large draft
    cancel  ID                                    stop it; messages not yet sent are dropped
    progress ID                                   a progress bar until it is done
    list                                          recent broadcasts with their figures
    csv ID --admin-id N [--out FILE]              per-recipient outcomes, for the record
                                                  (audited: who exported which, when)

Output is in the terminal's language (bot/cli_locale.py).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from tqdm import tqdm

from bot.broadcasts import export as export_
from bot.broadcasts import progress as progress_
from bot.broadcasts import service
from bot.broadcasts.segments import Segment
from bot.cli_locale import cli_translator
from bot.config import Settings
from bot.domain.locales import SUPPORTED_LOCALES
from bot.runtime import Runtime
from storage import broadcasts as queries


def _range(text: str) -> tuple[int, int]:
    low, _, high = text.partition("-")
    return int(low), int(high or low)


def segment_of(args: argparse.Namespace) -> Segment:
    return Segment(
        pregnant=args.pregnant,
        parents=args.parents,
        districts=tuple(args.district or ()),
        communities=tuple(args.community or ()),
        colours=tuple(args.colour or ()),
        priority_group=args.priority_group,
        gestation_weeks=_range(args.weeks) if args.weeks else None,
        child_age_months=_range(args.child_months) if args.child_months else None,
        languages=tuple(args.language or ()),
        pregnancy_topic=args.pregnancy_topic,
    )


def _text(value: str | None) -> str | None:
    """A text given as @file is read from the file."""
    if value and value.startswith("@"):
        return Path(value[1:]).read_text(encoding="utf-8")
    return value


async def _with_runtime(settings: Settings, work: Callable[[Runtime], object]) -> int:
    runtime = await Runtime.open(settings)
    try:
        result = work(runtime)
        if asyncio.iscoroutine(result):
            result = await result
        return int(result or 0)  # type: ignore[call-overload]
    finally:
        await runtime.close()


def run(args: argparse.Namespace, settings: Settings) -> int:
    tr = cli_translator()
    _ = tr.gettext

    async def count(runtime: Runtime) -> int:
        chosen = await service.preview(runtime, segment_of(args))
        for locale, n in sorted(chosen.per_language().items()):
            print(_("{language}: {count}").format(language=locale, count=n))
        print(_("Recipients: {count}").format(count=len(chosen.recipients)))
        for reason, n in sorted(chosen.excluded.items()):
            print(_("Left out ({reason}): {count}").format(reason=reason, count=n))
        return 0

    async def send(runtime: Runtime) -> int:
        if args.admin_id not in settings.admin_ids:
            print(_("{id} is not an admin (ADMIN_IDS).").format(id=args.admin_id), file=sys.stderr)
            return 1
        texts = {k: v for k, v in (("zh_Hans", _text(args.text_zh)), ("en", _text(args.text_en)))
                 if v}  # fmt: skip
        send_at = datetime.fromisoformat(args.at).astimezone() if args.at else None
        request = service.Request(args.admin_id, texts, segment_of(args), args.urgent, send_at)
        broadcast, _chosen = await service.create(runtime, request)
        print(_("Broadcast #{id}: {count} recipients, starts {at}.").format(
            id=broadcast.id, count=broadcast.recipients,
            at=broadcast.send_at.astimezone(settings.zone).strftime("%Y-%m-%d %H:%M"),
        ))  # fmt: skip
        if broadcast.status == service.DRAFT:
            print(_("More than {limit} people: a second admin must confirm it.").format(
                limit=settings.broadcast_second_admin_above))  # fmt: skip
            return 0
        if args.follow:
            assert broadcast.id is not None
            await follow(runtime, broadcast.id)
        return 0

    async def confirm(runtime: Runtime) -> int:
        broadcast = await service.confirm(runtime, args.id, args.admin_id)
        print(_("Broadcast #{id} confirmed: {count} recipients.").format(
            id=broadcast.id, count=broadcast.recipients))  # fmt: skip
        return 0

    async def cancel(runtime: Runtime) -> int:
        dropped = await service.cancel(runtime, args.id)
        print(_("Broadcast #{id} cancelled: {count} messages will not be sent.").format(
            id=args.id, count=dropped))  # fmt: skip
        return 0

    async def follow(runtime: Runtime, broadcast_id: int | None = None) -> int:
        target = broadcast_id or args.id
        state = await progress_.progress_of(runtime, target)
        with tqdm(total=state.total, unit="msg", desc=f"#{target}") as bar:
            while True:
                bar.n = state.total - state.pending
                bar.set_postfix(sent=state.sent, failed=state.failed, blocked=state.blocked)
                bar.refresh()
                if state.finished:
                    break
                await asyncio.sleep(1.0)
                state = await progress_.progress_of(runtime, target)
        print(progress_.render(state, tr, final=True))
        return 0

    async def listing(runtime: Runtime) -> int:
        async with runtime.db.session() as session:
            recent = await queries.recent(session, args.limit)
        for broadcast in recent:
            assert broadcast.id is not None
            state = await progress_.progress_of(runtime, broadcast.id)
            print(f"#{broadcast.id} {broadcast.status} "
                  f"{broadcast.created_at.astimezone(settings.zone):%Y-%m-%d %H:%M} "
                  + progress_.render(state, tr, final=True))  # fmt: skip
        return 0

    exported: list[str] = []

    async def export(runtime: Runtime) -> int:
        if args.admin_id not in settings.admin_ids:
            print(_("{id} is not an admin (ADMIN_IDS).").format(id=args.admin_id), file=sys.stderr)
            return 1
        exported.append(await export_.export(runtime, args.id, args.admin_id, "command line"))
        return 0

    actions = {"count": count, "send": send, "confirm": confirm, "cancel": cancel,
               "progress": follow, "list": listing, "csv": export}  # fmt: skip
    try:
        code = asyncio.run(_with_runtime(settings, actions[args.broadcast_command]))
    except service.BroadcastError as error:
        print(_("Not possible: {reason}").format(reason=error), file=sys.stderr)
        return 1
    if args.broadcast_command == "csv" and exported:
        if args.out:
            Path(args.out).write_text(exported[0], encoding="utf-8")
        else:
            sys.stdout.write(exported[0])
    return code


def _segment_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--pregnant", action="store_true")
    parser.add_argument("--parents", action="store_true")
    parser.add_argument("--district", action="append")
    parser.add_argument("--community", action="append")
    parser.add_argument("--colour", action="append")
    parser.add_argument("--priority-group", action="store_true")
    parser.add_argument("--weeks", help="gestation range in weeks, e.g. 28-36")
    parser.add_argument("--child-months", help="child age range in months, e.g. 0-6")
    parser.add_argument("--language", action="append", choices=list(SUPPORTED_LOCALES))
    parser.add_argument("--pregnancy-topic", action="store_true")


def add_parser(sub: argparse._SubParsersAction, settings: Callable[[], Settings]) -> None:
    """Registered by bot/__main__.py."""
    broadcast = sub.add_parser("broadcast", help="admin broadcasts to a segment")
    actions = broadcast.add_subparsers(dest="broadcast_command", required=True, metavar="ACTION")
    count = actions.add_parser("count", help="recipients per language")
    _segment_options(count)
    send = actions.add_parser("send", help="queue a broadcast")
    send.add_argument("--admin-id", type=int, required=True)
    send.add_argument("--text-zh", help="Telegram HTML, or @file")
    send.add_argument("--text-en", help="Telegram HTML, or @file")
    send.add_argument("--urgent", action="store_true", help="send even in quiet hours")
    send.add_argument("--at", help="start time, ISO 8601")
    send.add_argument("--follow", action="store_true", help="show a progress bar")
    _segment_options(send)
    confirm = actions.add_parser("confirm", help="second admin's confirmation")
    confirm.add_argument("id", type=int)
    confirm.add_argument("--admin-id", type=int, required=True)
    for name in ("cancel", "progress", "csv"):
        action = actions.add_parser(name)
        action.add_argument("id", type=int)
        if name == "csv":
            action.add_argument("--admin-id", type=int, required=True)
            action.add_argument("--out")
    listing = actions.add_parser("list", help="recent broadcasts")
    listing.add_argument("--limit", type=int, default=10)
    broadcast.set_defaults(func=lambda args: run(args, settings()))
