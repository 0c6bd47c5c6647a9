"""A made-up population for broadcast tests and the benchmark, written in a few inserts.

Person i of n follows fixed rules (below), so a test can say who must and who
must not receive a broadcast without asking the code under test. Chat ids
start at BASE; nobody here is a real person.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import insert

from storage.db import Database
from storage.models import Child, Community, Profile, User

BASE = 8_000_000_000
COLOURS = ("green", "yellow", "orange", "red", "purple")


@dataclass(frozen=True)
class Seeded:
    chat_id: int
    locale: str  # the language the person reads
    pregnant: bool
    parent: bool
    community: str
    paused: bool
    inactive: bool
    loss: bool

    @property
    def reachable(self) -> bool:
        return not (self.paused or self.inactive)


def plan(n: int) -> list[Seeded]:
    """Every 5th a parent, every 50th+7 paused, +13 blocked, +21 lost her pregnancy."""
    people = []
    for i in range(n):
        loss = i % 50 == 21
        people.append(
            Seeded(
                chat_id=BASE + i,
                locale="en" if i % 4 == 0 else "zh_Hans",
                pregnant=i % 5 != 0 and not loss,
                parent=i % 5 == 0,
                community="C001" if i % 2 == 0 else "C002",
                paused=i % 50 == 7,
                inactive=i % 50 == 13,
                loss=loss,
            )
        )
    return people


async def seed(db: Database, n: int, now: datetime, today: date) -> list[Seeded]:
    people = plan(n)
    users, profiles, children = [], [], []
    for i, p in enumerate(people):
        users.append(
            {
                "id": p.chat_id,
                "chat_id": p.chat_id,
                "locale": p.locale,
                "active": not p.inactive,
                "created_at": now,
                "updated_at": now,
            }
        )
        week = 8 + i % 32
        profiles.append(
            {
                "user_id": p.chat_id,
                "consent": "given",
                "consent_at": now,
                "pregnant": p.pregnant or p.loss,
                "parent": p.parent,
                "due_date": today + timedelta(days=280 - week * 7) if p.pregnant else None,
                "risk_colour": COLOURS[i % 5] if p.pregnant else None,
                "pregnancy_outcome": "loss" if p.loss else None,
                "community_code": p.community,
                "paused": p.paused,
                "onboarded_at": now,
                "created_at": now,
                "updated_at": now,
            }
        )
        if p.parent:
            born = today - timedelta(days=30 * (i % 36) + 3)
            children.append({"user_id": p.chat_id, "birth_date": born, "created_at": now})
    async with db.session() as session:
        for code, district in (("C001", "东城区"), ("C002", "西城区")):
            if await session.get(Community, code) is None:
                session.add(
                    Community(
                        code=code,
                        name_zh=f"{code}社区",
                        name_en=f"{code} Community",
                        district_zh=district,
                        district_en=district,
                    )
                )
        await session.flush()
        for table, rows in ((User, users), (Profile, profiles), (Child, children)):
            for start in range(0, len(rows), 1000):
                await session.exec(insert(table).values(rows[start : start + 1000]))  # type: ignore[call-overload]
    return people
