"""Staff see their own people: the ledger, who is due, the CSV export, notes; all audited."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

from sqlmodel import col, select

from bot.devtools.harness import BotHarness
from storage.models import AuditEntry, Note, Report
from tests import factories
from tests.alert_helpers import drain, raise_alert, reads_english

WANG = 201  # staff, Xingfu (C001)
ZHOU = 203  # staff, Heping (C002)
ZHAO = 501  # supervisor of both
ADMIN = 9000
STRANGER = 999
TERM, ORANGE, EARLY, PARENT, HEPING = 301, 302, 303, 304, 305


async def world(harness: BotHarness) -> None:
    """Xingfu: a mother at term, one graded orange, one early and well, a parent.
    Heping: a mother at 39 weeks."""
    db = harness.runtime.db
    now = harness.clock.now()
    await factories.community(db, "C001")
    await factories.community(db, "C002", name_en="Heping Community", name_zh="和平社区")
    await factories.staff(db, WANG, ["C001"], display_name="Wang")
    await factories.staff(db, ZHOU, ["C002"], display_name="Zhou")
    await factories.staff(db, ZHAO, ["C001", "C002"], role="supervisor", display_name="Zhao")
    await factories.mother(db, TERM, week=38, display_name="Meili", phone="13800000001")
    await factories.mother(db, ORANGE, week=30, risk_colour="orange", display_name="Chunhua")
    await factories.mother(db, EARLY, week=20, risk_colour="green", display_name="Xiaoyu")
    await factories.parent(db, PARENT, [date(2025, 9, 20)], display_name="Lin")
    await factories.mother(
        db, HEPING, community_code="C002", week=39, display_name="=HYPERLINK(evil)"
    )
    await reads_english(harness.runtime, WANG, ZHOU, ZHAO, ADMIN, STRANGER)
    async with db.session() as session:
        session.add(
            Report(
                user_id=ORANGE,
                subject="pregnancy",
                data={},
                level="routine",
                reasons=[],
                created_at=now - timedelta(days=2),
            )
        )
    await raise_alert(harness.runtime, EARLY, level="see_doctor_today")
    await drain(harness)  # the alert reaches Wang before the story starts


async def test_staff_see_their_community_with_the_priority_group_first(
    harness: BotHarness,
) -> None:
    await world(harness)
    reply = await harness.user(WANG, language_code="en").send("/ledger")
    text = reply.text
    assert "People: 4" in text
    for name in ("Meili", "Chunhua", "Xiaoyu", "Lin"):
        assert name in text
    assert "HYPERLINK" not in text  # Heping's mother is not Wang's to see
    assert text.index("Meili") < text.index("Chunhua") < text.index("Xiaoyu") < text.index("Lin")
    meili = block(text, "Meili")
    assert "38+0 weeks" in meili and "⭐ priority group" in meili
    assert "No report yet" in meili and "follow-up overdue" in meili
    chunhua = block(text, "Chunhua")
    assert "Orange" in chunhua and "⭐ priority group" in chunhua
    assert "Last report: 11-28 10:00 · Routine" in chunhua and "overdue" not in chunhua
    xiaoyu = block(text, "Xiaoyu")
    assert "20+0 weeks" in xiaoyu and "priority" not in xiaoyu
    assert "open alerts: 1" in xiaoyu and "See a doctor today" in xiaoyu
    assert "14 months" in block(text, "Lin")


def block(text: str, name: str) -> str:
    """One person's entry in the ledger text."""
    for entry in text.split("\n\n"):
        if name in entry:
            return entry
    raise AssertionError(f"{name} not in the ledger")


async def test_a_staff_member_cannot_see_or_note_another_communitys_people(
    harness: BotHarness,
) -> None:
    await world(harness)
    zhou = harness.user(ZHOU, language_code="en")
    ledger = await zhou.send("/ledger")
    assert "People: 1" in ledger.text
    assert "HYPERLINK" in ledger.text
    for name in ("Meili", "Chunhua", "Xiaoyu", "Lin"):
        assert name not in ledger.text
    due = await zhou.send("/due")
    assert "Xiaoyu" not in due.text and f"ID {EARLY}" not in due.text
    # Forged buttons and typed ids do not reach Xingfu's people either.
    forged = await zhou.press("", data=f"st:note:{TERM}")
    assert "only add notes about people in your communities" in forged.text
    typed = await zhou.send(f"/note {TERM} she is fine")
    assert "only add notes about people in your communities" in typed.text
    export = await exported(harness, zhou)
    assert [row[0] for row in export[1:]] == [str(HEPING)]
    async with harness.runtime.db.session() as session:
        assert (await session.exec(select(Note))).all() == []


async def test_a_supervisor_sees_every_community_they_supervise(harness: BotHarness) -> None:
    await world(harness)
    reply = await harness.user(ZHAO, language_code="en").send("/ledger")
    assert "People: 5" in reply.text


async def test_only_staff_and_admins_can_open_the_tools(harness: BotHarness) -> None:
    await world(harness)
    stranger = harness.user(STRANGER, language_code="en")
    for command in ("/ledger", "/due", "/export", "/note 301 hello"):
        reply = await stranger.send(command)
        assert "This is for community health workers" in reply.text
        assert "Meili" not in reply.text
    admin = await harness.user(ADMIN, language_code="en").send("/ledger")
    assert "People: 5" in admin.text


async def test_a_long_ledger_is_paged(harness: BotHarness) -> None:
    await world(harness)
    for n in range(10):
        await factories.mother(harness.runtime.db, 400 + n, week=12, display_name=f"Extra{n}")
    wang = harness.user(WANG, language_code="en")
    first = await wang.send("/ledger")
    assert "page 1/2" in first.text and "Meili" in first.text
    second = await wang.press("▶")
    assert "page 2/2" in second.text and "Meili" not in second.text
    assert second.calls[0].method == "editMessageText"  # turned in place
    back = await wang.press("◀")
    assert "page 1/2" in back.text


async def test_due_lists_the_overdue_priority_group_and_open_alerts(harness: BotHarness) -> None:
    await world(harness)
    wang = harness.user(WANG, language_code="en")
    due = await wang.send("/due")
    assert "Meili (ID 301) · last contact: never" in due.text
    assert "Chunhua" not in due.text  # she reported two days ago
    assert "See a doctor today · Xiaoyu (ID 303)" in due.text
    await wang.send(f"/note {TERM} Visited at home; she is well and has a bag packed")
    after = await wang.send("/due")
    assert "Meili" not in after.text


async def exported(harness: BotHarness, user: object) -> list[list[str]]:
    reply = await user.send("/export")  # type: ignore[attr-defined]
    [document] = [c for c in reply.calls if c.method == "sendDocument"]
    assert document.params["document"]["filename"].startswith("ledger-2026-11-30")
    return list(csv.reader(io.StringIO(document.params["document"]["content"].decode("utf-8-sig"))))


async def test_the_export_is_a_csv_of_the_ledger(harness: BotHarness) -> None:
    await world(harness)
    rows = await exported(harness, harness.user(ZHAO, language_code="en"))
    header, *people = rows
    assert header[:3] == ["ID", "Name", "Phone"]
    by_id = {row[0]: dict(zip(header, row, strict=True)) for row in people}
    assert set(by_id) == {str(i) for i in (TERM, ORANGE, EARLY, PARENT, HEPING)}
    meili = by_id[str(TERM)]
    assert (meili["Phone"], meili["Weeks"], meili["Due date"]) == (
        "13800000001",
        "38+0",
        "2026-12-14",
    )
    assert (meili["Priority group"], meili["Follow-up overdue"]) == ("yes", "yes")
    assert by_id[str(ORANGE)]["Risk colour"] == "Orange"
    assert by_id[str(ORANGE)]["Last report"] == "2026-11-28"
    assert by_id[str(EARLY)]["Open alerts"] == "1"
    assert by_id[str(PARENT)]["Children"].startswith("child1 2025-09-20")
    # A name that a spreadsheet would run as a formula is defused.
    assert by_id[str(HEPING)]["Name"] == "'=HYPERLINK(evil)"


async def test_a_note_from_the_ledger_shows_there_and_every_view_is_audited(
    harness: BotHarness,
) -> None:
    await world(harness)
    wang = harness.user(WANG, language_code="en")
    await wang.send("/ledger")
    prompt = await wang.press("📝 1")
    assert "Write your note about Meili" in prompt.text
    saved = await wang.send("Phoned: no contractions yet, hospital bag ready")
    assert "Note saved" in saved.text
    ledger = await wang.send("/ledger")
    assert "Phoned: no contractions yet" in block(ledger.text, "Meili")
    await wang.send("/due")
    await wang.send("/export")
    async with harness.runtime.db.session() as session:
        entries = (await session.exec(select(AuditEntry).order_by(col(AuditEntry.id)))).all()
    actions = [(e.actor_id, e.action) for e in entries]
    assert actions == [
        (WANG, "ledger_view"),
        (WANG, "note_added"),
        (WANG, "ledger_view"),
        (WANG, "due_view"),
        (WANG, "ledger_export"),
    ]
    assert entries[0].detail["subjects"] == sorted([TERM, ORANGE, EARLY, PARENT])
    assert entries[1].subject_user_id == TERM
    # Ids only: no names, no note text, no health details.
    stored = " ".join(str(e.detail) for e in entries)
    for private in ("Meili", "Phoned", "contractions", "orange", "38+0"):
        assert private not in stored
