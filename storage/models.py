"""SQLModel tables.

Telegram ids exceed 32 bits, hence BigInteger; every timestamp is aware UTC.
Schema changes go through Alembic migrations in storage/migrations.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column
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
