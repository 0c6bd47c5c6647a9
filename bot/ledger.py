"""The staff ledger (台账): who is in my communities, how they are, who is overdue.

No Telegram types: the handler (bot/handlers/staff_tools.py) renders entries.
Staff see the people of their own communities only (supervisors: all of
theirs; admins: everyone). Every look at the ledger, the due list or an
export is written to the audit log with the ids shown, never with what was
shown about them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, not_, true
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.access import active_staff, is_admin, staff_communities
from bot.alert_actions import audit
from bot.config import Settings
from bot.domain.children import ChildAge, child_age
from bot.domain.gestation import PREGNANCY_DAYS, GestationalAge, gestational_age
from bot.domain.triage import Rules
from storage import ledger as queries
from storage.models import Alert, Profile

# The seed asks communities to follow the priority group actively; a week without a
# report or a staff note counts as overdue.
FOLLOW_UP_DAYS = 7
PAGE_SIZE = 8


@dataclass(frozen=True)
class Scope:
    """Whose people a viewer may see: `communities` None means everyone (admins)."""

    viewer_id: int
    communities: tuple[str, ...] | None
    role: str  # "staff" | "supervisor" | "admin"


async def scope_of(session: AsyncSession, user_id: int, settings: Settings) -> Scope | None:
    """None for anyone who is neither active staff nor an admin."""
    staff = await active_staff(session, user_id)
    if staff is not None:
        return Scope(user_id, tuple(await staff_communities(session, user_id)), staff.role)
    if is_admin(settings, user_id):
        return Scope(user_id, None, "admin")
    return None


@dataclass(frozen=True)
class ChildLine:
    name: str | None
    birth_date: date
    age: ChildAge


@dataclass(frozen=True)
class Entry:
    user_id: int
    name: str | None
    phone: str | None
    community_code: str | None
    pregnant: bool
    parent: bool
    due_date: date | None
    gestation: GestationalAge | None
    colour: str | None
    priority: bool
    children: tuple[ChildLine, ...]
    last_report_at: datetime | None
    last_report_level: str | None
    open_alerts: int
    last_note_at: datetime | None
    last_note: str | None
    overdue: bool  # priority group with no report or note in FOLLOW_UP_DAYS


def is_priority(gestation: GestationalAge | None, colour: str | None, rules: Rules) -> bool:
    """Orange, red, purple or >= 37+0 weeks (the sets live in content/triage)."""
    if colour is not None and colour in rules.priority_colours:
        return True
    return gestation is not None and gestation.total_days >= rules.priority_gestation_days


async def entries(
    session: AsyncSession, scope: Scope, *, now: datetime, today: date, rules: Rules
) -> list[Entry]:
    """Everyone in scope, priority group first, then whoever has open alerts (for the
    export, which is everyone by nature; the ledger pages in the database instead)."""
    people = await queries.people(session, scope.communities)
    found = await _entries(session, scope, people, None, now=now, today=today, rules=rules)
    found.sort(key=_order)
    return found


def _order(e: Entry) -> tuple[bool, int, bool, int]:
    return (not e.priority, -e.open_alerts, not e.overdue, e.user_id)


async def _entries(
    session: AsyncSession,
    scope: Scope,
    people: Sequence[Profile],
    only: Sequence[int] | None,
    *,
    now: datetime,
    today: date,
    rules: Rules,
    alerted: dict[int, int] | None = None,
) -> list[Entry]:
    """Entries for `people` (all in scope, or just the ids `only`), unordered; `alerted`:
    the open alerts per person, when the caller has them already."""
    if not people:
        return []
    communities = scope.communities
    kids = await queries.children(session, communities, only)
    reports = await queries.latest_reports(session, communities, only)
    notes = await queries.latest_notes(session, communities, only)
    if alerted is None:
        alerted = await queries.with_open_alerts(session, communities)
    recent = await queries.last_report_or_note(
        session, communities, now - timedelta(days=FOLLOW_UP_DAYS), only
    )
    found = []
    for p in people:
        pregnant = p.pregnant and p.pregnancy_outcome is None
        gestation = gestational_age(p.due_date, today) if pregnant and p.due_date else None
        priority = pregnant and is_priority(gestation, p.risk_colour, rules)
        report = reports.get(p.user_id)
        note = notes.get(p.user_id)
        found.append(
            Entry(
                user_id=p.user_id,
                name=p.display_name,
                phone=p.phone,
                community_code=p.community_code,
                pregnant=pregnant,
                parent=p.parent,
                due_date=p.due_date if pregnant else None,
                gestation=gestation,
                colour=p.risk_colour if pregnant else None,
                priority=priority,
                children=tuple(
                    ChildLine(c.nickname, c.birth_date, child_age(c.birth_date, today))
                    for c in kids.get(p.user_id, [])
                ),
                last_report_at=report.created_at if report else None,
                last_report_level=report.level if report else None,
                open_alerts=alerted.get(p.user_id, 0),
                last_note_at=note.created_at if note else None,
                last_note=note.text if note else None,
                overdue=priority and p.user_id not in recent,
            )
        )
    return found


def _clauses(
    now: datetime, today: date, rules: Rules
) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    """SQL for "in the priority group" and "followed up lately" (see is_priority)."""
    cutoff = today + timedelta(days=PREGNANCY_DAYS - rules.priority_gestation_days)
    return (
        queries.priority_clause(sorted(rules.priority_colours), cutoff),
        queries.followed_up_clause(now - timedelta(days=FOLLOW_UP_DAYS)),
    )


async def _entries_of(
    session: AsyncSession,
    scope: Scope,
    ids: Sequence[int],
    *,
    now: datetime,
    today: date,
    rules: Rules,
    alerted: dict[int, int] | None = None,
) -> list[Entry]:
    """Entries for just these people (a page, the alerted, the overdue), unordered."""
    people = await queries.profiles_of(session, ids)
    return await _entries(
        session, scope, people, ids, now=now, today=today, rules=rules, alerted=alerted
    )


@dataclass(frozen=True)
class Page:
    entries: list[Entry]
    number: int  # the page actually shown
    pages: int
    people: int  # everyone in scope


async def ledger_page(
    session: AsyncSession,
    scope: Scope,
    number: int,
    *,
    now: datetime,
    today: date,
    rules: Rules,
    size: int = PAGE_SIZE,
) -> Page:
    """One page of the ledger in the order of `entries`, cut in the database: a few
    counts and reads of at most `size` ids, however many people are in scope."""
    communities = scope.communities
    total = await queries.count_people(session, communities)
    pages = max(1, -(-total // size))
    number = min(max(1, number), pages)
    if not total:
        return Page([], number, pages, 0)
    alerted = await queries.with_open_alerts(session, communities)
    # Those with open alerts are few: made entries now, each placed in its run by hand.
    flagged = await _entries_of(
        session, scope, list(alerted), now=now, today=today, rules=rules, alerted=alerted
    )
    flagged.sort(key=_order)
    priority, followed = _clauses(now, today, rules)
    no_alert = col(Profile.user_id).not_in(list(alerted)) if alerted else true()
    runs: list[list[Entry] | tuple[ColumnElement[bool], ...]] = [
        [e for e in flagged if e.priority],
        (priority, no_alert, not_(followed)),
        (priority, no_alert, followed),
        [e for e in flagged if not e.priority],
        (not_(priority), no_alert),
    ]
    start, end = (number - 1) * size, number * size
    ids: list[int] = []
    placed: dict[int, Entry] = {}
    position = 0
    for run in runs:
        if position >= end:
            break
        skip = max(0, start - position)
        if isinstance(run, list):
            chosen = run[skip : max(0, end - position)]
            placed |= {e.user_id: e for e in chosen}
            ids += [e.user_id for e in chosen]
            position += len(run)
            continue
        # A run is counted only when the page starts past its beginning (never on page 1).
        if skip and skip >= (length := await queries.count_people(session, communities, *run)):
            position += length
            continue
        want = end - position - skip
        got = await queries.people_ids(session, communities, *run, offset=skip, limit=want)
        ids += got
        position += skip + len(got)  # short of `want` only where the run ends
    missing = [i for i in ids if i not in placed]
    made = await _entries_of(
        session, scope, missing, now=now, today=today, rules=rules, alerted=alerted
    )
    placed |= {e.user_id: e for e in made}
    return Page([placed[i] for i in ids if i in placed], number, pages, total)


def page(
    items: Sequence[Entry], number: int, size: int = PAGE_SIZE
) -> tuple[list[Entry], int, int]:
    """(entries on the page, the page number actually shown, page count)."""
    pages = max(1, -(-len(items) // size))
    number = min(max(1, number), pages)
    start = (number - 1) * size
    return list(items[start : start + size]), number, pages


@dataclass(frozen=True)
class Due:
    overdue: list[Entry]
    open_alerts: list[Alert]


async def due(
    session: AsyncSession, scope: Scope, *, now: datetime, today: date, rules: Rules
) -> Due:
    """The overdue (found in the database: only they get entries) and the open alerts."""
    priority, followed = _clauses(now, today, rules)
    ids = await queries.people_ids(
        session, scope.communities, priority, not_(followed), offset=0, limit=None
    )
    overdue = await _entries_of(session, scope, ids, now=now, today=today, rules=rules)
    overdue.sort(key=_order)
    return Due(
        overdue=[e for e in overdue if e.overdue],
        open_alerts=await queries.open_alerts(session, scope.communities),
    )


def record_view(
    session: AsyncSession,
    scope: Scope,
    action: str,
    subject_ids: Sequence[int],
    now: datetime,
    **detail: object,
) -> None:
    """One audit row per view: who looked, which people (ids), never what they saw."""
    session.add(
        audit(
            scope.viewer_id,
            action,
            None,
            now,
            subjects=sorted(set(subject_ids)),
            communities=list(scope.communities) if scope.communities is not None else "all",
            **detail,
        )
    )
