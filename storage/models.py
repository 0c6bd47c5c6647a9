"""SQLModel tables.

Telegram ids exceed 32 bits, hence BigInteger; every timestamp is aware UTC.
Schema changes go through Alembic migrations in storage/migrations.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    ForeignKey,
    Index,
    Integer,
    UniqueConstraint,
    text,
)
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime


def utcnow() -> datetime:
    return datetime.now(UTC)


class User(SQLModel, table=True):
    """Anyone who has written to the bot: the chat id, language and whether we can reach them."""

    __tablename__ = "users"

    id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    locale: str | None = Field(default=None, max_length=16)
    language_code: str | None = Field(default=None, max_length=16)
    active: bool = Field(default=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


_DIALOG_VERSION = Column("version", Integer, nullable=False, server_default="1")


class Dialog(SQLModel, table=True):
    """Where a user is in a multi-step conversation, kept in the database.

    Held here rather than in process memory so a restart, or another worker
    picking up the next update, continues the conversation where it was.
    """

    __tablename__ = "dialogs"

    user_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    flow: str = Field(max_length=32)
    step: str = Field(max_length=32)
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # Optimistic concurrency: every UPDATE checks the version it read, so a write based
    # on a stale read fails loudly (StaleDataError) instead of silently losing a step.
    version: int | None = Field(default=None, sa_column=_DIALOG_VERSION)  # set by SQLAlchemy

    __mapper_args__ = {"version_id_col": _DIALOG_VERSION}


class InboxUpdate(SQLModel, table=True):
    """Every update from Telegram, recorded before Telegram is told it arrived.

    The primary key is Telegram's update_id, so a redelivered update (a webhook
    retry, or the same update reaching two workers) cannot be recorded twice.
    A row stays `pending` until its handling has finished; a worker that dies
    leaves it pending and another handles it after its lease. The payload holds
    what the person typed, so it is cleared once the update is handled.

    `resend` is set in the transaction that first commits the update's effects (the
    report, the next dialog step) and holds the Bot API request that was about to go
    out: a crash before Telegram took it replays that request instead of running the
    handlers again on a dialog that has already moved on (docs/exactly-once.md).
    """

    __tablename__ = "inbox"

    update_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    person: int = Field(sa_column=Column(BigInteger, nullable=False, index=True))
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: str = Field(default="pending", max_length=16, index=True)
    leased_by: str | None = Field(default=None, max_length=64)
    leased_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    attempts: int = 0
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    handled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    resend: dict[str, Any] | None = Field(
        default=None, sa_column=Column(JSON(none_as_null=True), nullable=True)
    )


def _big_pk() -> Any:
    return Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))


class Community(SQLModel, table=True):
    """A community (社区) from the list an admin loaded; staff and people belong to one."""

    __tablename__ = "communities"

    code: str = Field(primary_key=True, max_length=32)
    name_zh: str = Field(max_length=100)
    name_en: str = Field(max_length=100)
    district_zh: str = Field(max_length=100, index=True)
    district_en: str = Field(max_length=100)
    latitude: float | None = None
    longitude: float | None = None


class Profile(SQLModel, table=True):
    """What a consenting person told us. Deleted whole on /delete."""

    __tablename__ = "profiles"

    user_id: int = Field(
        sa_column=Column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    )
    consent: str = Field(max_length=16)  # "given" | "declined"
    consent_at: datetime = Field(sa_type=UTCDateTime)
    display_name: str | None = Field(default=None, max_length=100)
    pregnant: bool = False
    parent: bool = False
    due_date: date | None = None
    dating_method: str | None = Field(default=None, max_length=16)
    risk_colour: str | None = Field(default=None, max_length=16)
    pregnancy_outcome: str | None = Field(default=None, max_length=16)  # "birth" | "loss"
    community_code: str | None = Field(
        default=None, foreign_key="communities.code", index=True, max_length=32
    )
    phone: str | None = Field(default=None, max_length=32)
    paused: bool = False
    onboarded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Child(SQLModel, table=True):
    __tablename__ = "children"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(
        sa_column=Column(
            BigInteger, ForeignKey("users.id", ondelete="CASCADE"), index=True, nullable=False
        )
    )
    birth_date: date
    nickname: str | None = Field(default=None, max_length=40)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ProfileChange(SQLModel, table=True):
    """Every correction, kept (MomConnect keeps due-date changes the same way)."""

    __tablename__ = "profile_changes"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(
        sa_column=Column(
            BigInteger, ForeignKey("users.id", ondelete="CASCADE"), index=True, nullable=False
        )
    )
    field: str = Field(max_length=32)
    old_value: str | None = Field(default=None, max_length=200)
    new_value: str | None = Field(default=None, max_length=200)
    changed_by: int = Field(sa_column=Column(BigInteger, nullable=False))
    changed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Staff(SQLModel, table=True):
    """A community worker or supervisor, created by redeeming an admin's invite."""

    __tablename__ = "staff"

    user_id: int = _big_pk()
    role: str = Field(max_length=16)  # "staff" | "supervisor"
    display_name: str | None = Field(default=None, max_length=100)
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # How the people whose alerts they take are told who looks after them:
    # "name" (display_name) or "role"; None until they choose, which means the role.
    introduce_as: str | None = Field(default=None, max_length=8)


class StaffCommunity(SQLModel, table=True):
    __tablename__ = "staff_communities"

    staff_id: int = Field(
        sa_column=Column(
            BigInteger, ForeignKey("staff.user_id", ondelete="CASCADE"), primary_key=True
        )
    )
    community_code: str = Field(foreign_key="communities.code", primary_key=True, max_length=32)


class Invite(SQLModel, table=True):
    """A one-time, expiring staff invite (deep link /start s-<token>)."""

    __tablename__ = "invites"

    token: str = Field(primary_key=True, max_length=64)
    role: str = Field(max_length=16)
    communities: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_by: int = Field(sa_column=Column(BigInteger, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    redeemed_by: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    redeemed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Report(SQLModel, table=True):
    """A self-report, stored before the user is answered."""

    __tablename__ = "reports"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(
        sa_column=Column(
            BigInteger, ForeignKey("users.id", ondelete="CASCADE"), index=True, nullable=False
        )
    )
    subject: str = Field(max_length=16)  # "pregnancy" | "child"
    child_id: int | None = Field(default=None, foreign_key="children.id", ondelete="CASCADE")
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    level: str = Field(max_length=24)
    reasons: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)


class Alert(SQLModel, table=True):
    """Staff must act on a report; acknowledged once, escalated when nobody does."""

    __tablename__ = "alerts"

    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(foreign_key="reports.id", ondelete="CASCADE", unique=True)
    user_id: int = Field(
        sa_column=Column(
            BigInteger, ForeignKey("users.id", ondelete="CASCADE"), index=True, nullable=False
        )
    )
    community_code: str | None = Field(default=None, max_length=32, index=True)
    level: str = Field(max_length=24)
    status: str = Field(default="open", max_length=16)  # open | acknowledged | contacted
    acknowledged_by: int | None = Field(default=None, sa_column=Column(BigInteger))
    acknowledged_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    contacted_by: int | None = Field(default=None, sa_column=Column(BigInteger))
    contacted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    escalate_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    escalated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Who pressed Escalate; None when the time ran out and the bot escalated.
    escalated_by: int | None = Field(default=None, sa_column=Column(BigInteger))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Broadcast(SQLModel, table=True):
    """An admin's message to a segment of the population, with one outbox row per recipient.

    The texts are the admin's, one per language; the segment is kept as the admin chose it,
    so the record says who was meant, and the outbox rows say who got it.
    """

    __tablename__ = "broadcasts"

    id: int | None = Field(default=None, primary_key=True)
    created_by: int = Field(sa_column=Column(BigInteger, nullable=False))
    confirmed_by: int | None = Field(default=None, sa_column=Column(BigInteger))
    texts: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    segment: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    urgent: bool = False
    # draft (counted, awaiting a second admin) | queued | cancelled
    status: str = Field(default="queued", max_length=16)
    recipients: int = 0
    send_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # The admin's progress message, edited as the broadcast goes out.
    progress_chat_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    progress_message_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    cancelled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Outbox(SQLModel, table=True):
    """Every proactive message, written in the transaction that decided to send it.

    A worker claims rows with a lease, sends, and records the result; the
    unique dedupe key makes a second insert of the same message impossible.
    """

    __tablename__ = "outbox"
    # Both indexes hold pending rows only, so they stay the size of the queue, not of
    # the history. The claim walks them lane by lane (bot/delivery/lanes.py), oldest
    # first, in the claim's own order (no sort of a 20,000-row broadcast), and asks for
    # each candidate whether its chat has a message in flight (one probe).
    __table_args__ = (
        Index(
            "ix_outbox_due",
            "priority",
            "next_attempt_at",
            "id",
            postgresql_where=text("status = 'pending'"),
            sqlite_where=text("status = 'pending'"),
        ),
        Index(
            "ix_outbox_pending_chat",
            "chat_id",
            postgresql_where=text("status = 'pending'"),
            sqlite_where=text("status = 'pending'"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    dedupe_key: str = Field(max_length=128, unique=True)
    kind: str = Field(max_length=24)
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False, index=True))
    alert_id: int | None = Field(default=None, foreign_key="alerts.id", ondelete="CASCADE")
    # Held back until row `after_id` is settled: an edit waits for the message it edits
    # (and for the edit before it), so copies never end up showing an older state.
    after_id: int | None = None
    # Lane: 0 alerts and escalations, 1 notices and follow-ups, 2 broadcasts (set from kind).
    priority: int = Field(default=1, sa_column=Column(Integer, nullable=False, server_default="1"))
    broadcast_id: int | None = Field(
        default=None, foreign_key="broadcasts.id", ondelete="CASCADE", index=True
    )
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: str = Field(default="pending", max_length=16, index=True)
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    leased_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    leased_by: str | None = Field(default=None, max_length=64)
    message_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    last_error: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Note(SQLModel, table=True):
    """A staff member's follow-up note on a person."""

    __tablename__ = "notes"

    id: int | None = Field(default=None, primary_key=True)
    subject_user_id: int = Field(
        sa_column=Column(
            BigInteger, ForeignKey("users.id", ondelete="CASCADE"), index=True, nullable=False
        )
    )
    staff_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    alert_id: int | None = Field(default=None, foreign_key="alerts.id", ondelete="SET NULL")
    text: str = Field(max_length=2000)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class AuditEntry(SQLModel, table=True):
    """Who looked at or acted on whose data. Holds ids, never health details."""

    __tablename__ = "audit_log"

    id: int | None = Field(default=None, primary_key=True)
    actor_id: int = Field(sa_column=Column(BigInteger, nullable=False, index=True))
    action: str = Field(max_length=32)
    subject_user_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Place(SQLModel, table=True):
    """A fever clinic, emergency midwifery institution or maternity hospital."""

    __tablename__ = "places"

    id: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=200)
    type: str = Field(max_length=32, index=True)
    district: str = Field(max_length=100, index=True)
    address: str = Field(max_length=300)
    phone: str | None = Field(default=None, max_length=64)
    latitude: float
    longitude: float
    hours: str = Field(max_length=300)
    notes: str | None = Field(default=None, max_length=500)
    name_en: str | None = Field(default=None, max_length=200)
    address_en: str | None = Field(default=None, max_length=300)
    notes_en: str | None = Field(default=None, max_length=500)


class PlaceList(SQLModel, table=True):
    """The published list's metadata; one row, replaced with the list."""

    __tablename__ = "place_lists"

    id: int = Field(default=1, primary_key=True)
    published: date | None = None
    imported_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    source_name: str | None = Field(default=None, max_length=200)
    count: int = 0


class Counter(SQLModel, table=True):
    """Anonymous counts that survive deletions (e.g. how many people left)."""

    __tablename__ = "counters"

    name: str = Field(primary_key=True, max_length=64)
    value: int = 0


class FollowupItem(SQLModel, table=True):
    """One scheduled follow-up occurrence that was sent (a check-in, a stage message...).

    The row is written in the transaction that queues the message, and (user_id, key)
    is unique, so two workers, a retry or a restart can never send one occurrence
    twice. A check-in row also carries its non-response ladder: how many steps are
    done and when the next is due (None once it was answered, lapsed or handed to staff).
    """

    __tablename__ = "followup_items"
    __table_args__ = (UniqueConstraint("user_id", "key", name="uq_followup_items_user_key"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(
        sa_column=Column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    )
    key: str = Field(max_length=64)
    event: str = Field(max_length=32)
    action: str = Field(max_length=16)  # checkin | stage | topic | dialog
    ref: str = Field(max_length=48)  # the tier, stage id, topic id or dialog
    status: str = Field(default="sent", max_length=16)  # sent|answered|tasked|cancelled
    token: str = Field(max_length=8)  # in its buttons: a press of an old message is refused
    sent_at: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime, index=True)
    answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    ladder_steps: int = 0
    next_step_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)


class FollowupTask(SQLModel, table=True):
    """Staff must try to reach someone (a priority-group mother who did not answer).

    Shown in /due by urgency and age, announced in one daily digest, and closed by
    staff with an outcome: reached, not_reached or referred.
    """

    __tablename__ = "followup_tasks"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(
        sa_column=Column(
            BigInteger, ForeignKey("users.id", ondelete="CASCADE"), index=True, nullable=False
        )
    )
    item_id: int | None = Field(
        default=None, foreign_key="followup_items.id", ondelete="SET NULL", unique=True
    )
    community_code: str | None = Field(default=None, max_length=32, index=True)
    reason: str = Field(max_length=32)  # no_answer
    urgency: str = Field(max_length=16)  # priority | routine
    status: str = Field(default="open", max_length=16, index=True)  # open | closed
    outcome: str | None = Field(default=None, max_length=16)  # reached|not_reached|referred
    created_at: datetime = Field(sa_type=UTCDateTime)
    digested_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_by: int | None = Field(default=None, sa_column=Column(BigInteger))
