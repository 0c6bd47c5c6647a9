"""The order of onboarding: which section comes after which.

Pure, so the whole path a pregnant woman, a parent or both take is testable
without Telegram. A correction from /me runs one section and stops.
"""

from __future__ import annotations

from enum import StrEnum


class Section(StrEnum):
    ROLE = "role"
    PREGNANCY = "pregnancy"
    CHILDREN = "children"
    COMMUNITY = "community"
    PHONE = "phone"


def next_section(done: Section, *, pregnant: bool, parent: bool, editing: bool) -> Section | None:
    """The section after `done`, or None when onboarding (or the correction) is complete."""
    if editing:
        return None
    order = [Section.ROLE]
    if pregnant:
        order.append(Section.PREGNANCY)
    if parent:
        order.append(Section.CHILDREN)
    order += [Section.COMMUNITY, Section.PHONE]
    if done not in order:
        return None
    index = order.index(done)
    return order[index + 1] if index + 1 < len(order) else None


def resume_section(
    *, pregnant: bool, parent: bool, has_due_date: bool, has_children: bool, has_community: bool
) -> Section:
    """The first section a consenting person has not finished, from what she already saved.

    /stop ends the conversation, so on /start her place is read back from her profile:
    nothing she confirmed is asked again (not the language, not the consent).
    """
    if not (pregnant or parent):
        return Section.ROLE
    if pregnant and not has_due_date:
        return Section.PREGNANCY
    if parent and not has_children:
        return Section.CHILDREN
    if not has_community:
        return Section.COMMUNITY
    return Section.PHONE
