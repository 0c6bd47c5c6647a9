"""The ledger pages in the database: page after page it shows exactly the order the
whole ledger has (priority group first, then open alerts, then the overdue, then by
id), and it never loads everyone to do so."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from bot import ledger
from bot.ledger import Scope
from bot.reports import triage_rules
from storage import ledger as queries
from storage.db import Database
from storage.models import Alert, Note, Profile, Report
from tests import factories
from tests.factories import T0, TODAY

NOW = T0


async def _population(db: Database, count: int) -> None:
    """Two communities of mothers at every stage, graded or not, some delivered, parents;
    open and acknowledged alerts, reports and notes old and new."""
    rng = random.Random(14)
    await factories.community(db, "C001")
    await factories.community(db, "C002", name_en="Heping", name_zh="和平社区")
    for n in range(count):
        user_id = 1000 + n
        code = "C001" if n % 3 else "C002"
        if n % 7 == 0:
            await factories.parent(db, user_id, [TODAY - timedelta(days=90)], community_code=code)
            continue
        colour = rng.choice([None, None, "green", "yellow", "orange", "red", "purple"])
        await factories.mother(
            db, user_id, week=rng.randint(8, 41), risk_colour=colour, community_code=code
        )
        async with db.session() as session:
            if n % 11 == 0:
                profile = await session.get(Profile, user_id)
                assert profile is not None
                profile.pregnancy_outcome = "birth"
            if rng.random() < 0.4:
                age = timedelta(days=rng.choice([1, 3, 10, 30]))
                report = Report(
                    user_id=user_id,
                    subject="pregnancy",
                    data={},
                    level="routine",
                    reasons=[],
                    created_at=NOW - age,
                )
                session.add(report)
                await session.flush()
                if rng.random() < 0.5:
                    session.add(
                        Alert(
                            report_id=report.id,
                            user_id=user_id,
                            community_code=code,
                            level="see_doctor_today",
                            status=rng.choice(["open", "open", "acknowledged"]),
                            created_at=NOW - age,
                        )
                    )
            if rng.random() < 0.2:
                session.add(
                    Note(
                        subject_user_id=user_id,
                        staff_id=1,
                        text="phoned",
                        created_at=NOW - timedelta(days=rng.choice([2, 20])),
                    )
                )


async def _paged(db: Database, scope: Scope, size: int) -> tuple[list[int], int, int]:
    ids: list[int] = []
    number, pages, people = 1, 1, 0
    while number <= pages:
        async with db.session() as session:
            page = await ledger.ledger_page(
                session, scope, number, now=NOW, today=TODAY, rules=triage_rules(), size=size
            )
        assert page.number == number
        assert len(page.entries) <= size
        ids += [e.user_id for e in page.entries]
        pages, people = page.pages, page.people
        number += 1
    return ids, pages, people


@pytest.mark.parametrize("communities", [None, ("C001",), ("C002", "C001")])
async def test_every_page_follows_the_order_of_the_whole_ledger(
    db: Database, communities: tuple[str, ...] | None
) -> None:
    await _population(db, 90)
    scope = Scope(1, communities, "admin" if communities is None else "staff")
    async with db.session() as session:
        everyone = await ledger.entries(session, scope, now=NOW, today=TODAY, rules=triage_rules())
    assert any(e.open_alerts for e in everyone) and any(e.overdue for e in everyone)
    assert any(e.priority and not e.overdue for e in everyone)
    ids, pages, people = await _paged(db, scope, size=7)
    assert ids == [e.user_id for e in everyone]
    assert people == len(everyone) and pages == -(-len(everyone) // 7)


async def test_a_page_is_cut_in_the_database_without_loading_everyone(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _population(db, 40)
    loaded: list[int] = []
    profiles_of = queries.profiles_of

    async def counted(session, ids):  # type: ignore[no-untyped-def]
        loaded.extend(ids)
        return await profiles_of(session, ids)

    async def everyone(*_args: object) -> list[Profile]:
        raise AssertionError("the ledger page loaded everyone")

    monkeypatch.setattr(queries, "profiles_of", counted)
    monkeypatch.setattr(queries, "people", everyone)
    async with db.session() as session:
        alerted = await queries.with_open_alerts(session, None)
        page = await ledger.ledger_page(
            session, Scope(1, None, "admin"), 2, now=NOW, today=TODAY, rules=triage_rules()
        )
    assert page.number == 2 and len(page.entries) == ledger.PAGE_SIZE
    assert len(loaded) <= len(alerted) + ledger.PAGE_SIZE  # the alerted, and this page


async def test_a_page_past_the_end_shows_the_last_and_an_empty_scope_shows_nothing(
    db: Database,
) -> None:
    await _population(db, 20)
    async with db.session() as session:
        last = await ledger.ledger_page(
            session, Scope(1, None, "admin"), 99, now=NOW, today=TODAY, rules=triage_rules()
        )
        nobody = await ledger.ledger_page(
            session, Scope(1, (), "staff"), 1, now=NOW, today=TODAY, rules=triage_rules()
        )
    assert last.number == last.pages == -(-last.people // ledger.PAGE_SIZE)
    assert 0 < len(last.entries) <= ledger.PAGE_SIZE
    assert nobody.entries == [] and nobody.people == 0 and nobody.pages == 1


async def test_the_due_list_is_the_overdue_of_the_whole_ledger_found_in_the_database(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _population(db, 90)
    scope = Scope(1, ("C001",), "staff")
    async with db.session() as session:
        everyone = await ledger.entries(session, scope, now=NOW, today=TODAY, rules=triage_rules())
    overdue = [e for e in everyone if e.overdue]
    assert overdue and len(overdue) < len(everyone)

    async def no_one(*_args: object) -> list[Profile]:
        raise AssertionError("the due list loaded everyone")

    monkeypatch.setattr(queries, "people", no_one)
    async with db.session() as session:
        found = await ledger.due(session, scope, now=NOW, today=TODAY, rules=triage_rules())
    assert found.overdue == overdue
    assert {a.user_id for a in found.open_alerts} == {e.user_id for e in everyone if e.open_alerts}
