"""A person's own profile, as her handlers read and change it: one session per call.

bot/profiles.py holds the rules (consent, corrections with history, pause); these open
the session around them, so a handler never does. Inside an update the session joins
the update's unit of work (storage/db.py); where a handler needs two things at once
(read the profile and the children, clear the dialog and pause), one call does both.
`Profile` and `Child` are re-exported for the handlers' type hints.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from bot import dialogs, personal_data, profiles
from bot.dialogs import DialogState
from bot.runtime import Runtime
from storage.models import Child, Community, Profile

__all__ = [
    "Child",
    "Overview",
    "Profile",
    "Return",
    "add_child",
    "complete_onboarding",
    "correct_child",
    "end_pregnancy",
    "erase",
    "export",
    "overview",
    "own_child",
    "own_children",
    "own_profile",
    "pause",
    "profile_and_children",
    "profile_children_and_dialog",
    "record_consent",
    "remove_child",
    "restart_onboarding",
    "return_to_start",
    "update_own_profile",
]


async def own_profile(runtime: Runtime, user_id: int) -> Profile | None:
    async with runtime.db.session() as session:
        return await profiles.get_profile(session, user_id)


async def own_children(runtime: Runtime, user_id: int) -> list[Child]:
    async with runtime.db.session() as session:
        return await profiles.children_of(session, user_id)


async def own_child(runtime: Runtime, user_id: int, child_id: object) -> Child | None:
    """Her child with this id, or None (removed, or not hers)."""
    children = await own_children(runtime, user_id)
    return next((c for c in children if c.id == child_id), None)


async def profile_and_children(
    runtime: Runtime, user_id: int
) -> tuple[Profile | None, list[Child]]:
    async with runtime.db.session() as session:
        return (
            await profiles.get_profile(session, user_id),
            await profiles.children_of(session, user_id),
        )


async def profile_children_and_dialog(
    runtime: Runtime, user_id: int
) -> tuple[Profile | None, list[Child], DialogState | None]:
    """What a typed danger sign is triaged with, and whether she is in a dialog."""
    async with runtime.db.session() as session:
        return (
            await profiles.get_profile(session, user_id),
            await profiles.children_of(session, user_id),
            await dialogs.load(session, user_id),
        )


@dataclass(frozen=True)
class Overview:
    """What /me shows: the profile, the children, the chosen community."""

    profile: Profile | None
    children: list[Child]
    community: Community | None


async def overview(runtime: Runtime, user_id: int) -> Overview:
    async with runtime.db.session() as session:
        profile = await profiles.get_profile(session, user_id)
        children = await profiles.children_of(session, user_id)
        community = (
            await session.get(Community, profile.community_code)
            if profile and profile.community_code
            else None
        )
    return Overview(profile, children, community)


@dataclass(frozen=True)
class Return:
    """What /start finds: where she stopped, and whether her messages were paused."""

    profile: Profile | None
    has_children: bool
    dialog: DialogState | None
    was_paused: bool


async def return_to_start(runtime: Runtime, user_id: int) -> Return:
    """/start: what was saved, and messages turned back on if they were paused."""
    async with runtime.db.session() as session:
        profile = await profiles.get_profile(session, user_id)
        has_children = bool(await profiles.children_of(session, user_id))
        current = await dialogs.load(session, user_id)
        was_paused = profile is not None and profile.paused
        if was_paused:
            await profiles.set_paused(session, user_id, False, runtime.clock.now())
    return Return(profile, has_children, current, was_paused)


async def restart_onboarding(runtime: Runtime, user_id: int) -> tuple[Profile | None, bool]:
    """After an expired onboarding: the dialog closed; the profile and whether she has
    children (the saved answers stay)."""
    async with runtime.db.session() as session:
        await dialogs.clear(session, user_id)
        profile = await profiles.get_profile(session, user_id)
        has_children = bool(await profiles.children_of(session, user_id))
    return profile, has_children


async def record_consent(
    runtime: Runtime, user_id: int, given: bool, display_name: str | None
) -> None:
    """Her answer to the consent question; a refusal also closes the onboarding dialog."""
    async with runtime.db.session() as session:
        await profiles.record_consent(session, user_id, given, display_name, runtime.clock.now())
        if not given:
            await dialogs.clear(session, user_id)


async def update_own_profile(runtime: Runtime, user_id: int, changes: dict[str, Any]) -> None:
    """Apply confirmed answers to her own profile (history is kept)."""
    async with runtime.db.session() as session:
        profile = await profiles.get_profile(session, user_id)
        assert profile is not None
        await profiles.update_profile(session, profile, changes, user_id, runtime.clock.now())


async def complete_onboarding(runtime: Runtime, user_id: int) -> bool:
    """Mark the profile complete; True the first time (not after a correction)."""
    async with runtime.db.session() as session:
        profile = await profiles.get_profile(session, user_id)
        first_time = profile is not None and profile.onboarded_at is None
        if profile is not None and first_time:
            profile.onboarded_at = runtime.clock.now()
            session.add(profile)
    return first_time


async def add_child(runtime: Runtime, user_id: int, birth: date, nickname: str | None) -> None:
    """A new child; she is a parent from now on."""
    now = runtime.clock.now()
    async with runtime.db.session() as session:
        await profiles.add_child(session, user_id, birth, nickname, now)
        profile = await profiles.get_profile(session, user_id)
        if profile is not None and not profile.parent:
            await profiles.update_profile(session, profile, {"parent": True}, user_id, now)


async def correct_child(
    runtime: Runtime, user_id: int, child_id: int, changes: dict[str, object]
) -> Child | None:
    async with runtime.db.session() as session:
        return await profiles.correct_child(
            session, user_id, child_id, changes, runtime.clock.now()
        )


async def remove_child(runtime: Runtime, user_id: int, child_id: int) -> bool:
    async with runtime.db.session() as session:
        return await profiles.remove_child(session, user_id, child_id, runtime.clock.now())


async def end_pregnancy(runtime: Runtime, user_id: int, outcome: str) -> bool:
    """Record the pregnancy's end ("birth" or "loss"); False when she was not pregnant."""
    async with runtime.db.session() as session:
        profile = await profiles.get_profile(session, user_id)
        assert profile is not None
        if not profile.pregnant:
            return False
        await profiles.update_profile(
            session,
            profile,
            {"pregnant": False, "pregnancy_outcome": outcome},
            user_id,
            runtime.clock.now(),
        )
    return True


async def pause(runtime: Runtime, user_id: int) -> None:
    """/stop: any open dialog closed, scheduled messages and broadcasts paused."""
    async with runtime.db.session() as session:
        await dialogs.clear(session, user_id)
        await profiles.set_paused(session, user_id, True, runtime.clock.now())


async def export(runtime: Runtime, user_id: int) -> dict[str, Any]:
    """/mydata: everything stored about her."""
    async with runtime.db.session() as session:
        return await personal_data.export_data(session, user_id)


async def erase(runtime: Runtime, user_id: int) -> None:
    """/delete, confirmed: her data erased (staff told, copies withdrawn)."""
    async with runtime.db.session() as session:
        await personal_data.erase(
            session, user_id, runtime.clock.now(), runtime.settings, runtime.catalogs
        )
