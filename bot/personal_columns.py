"""Every column of every table, classified: personal or not, and how erasure covers it.

bot/personal_data.py erases and exports from its two maps (OWN_ROWS, MENTIONS);
this inventory is what tests/test_personal_data.py holds them against: a new
column that is not listed here, or is listed as erased but neither map covers
it, fails that test, so personal data cannot be added without deciding how
/delete and /mydata reach it.
"""

from __future__ import annotations

from bot.profiles import TRACKED_FIELDS

ERASED_ROW = "erased: the row is hers and is deleted"
ERASED_ID = "erased: her id is removed from rows that are not hers"
DELETED_WITH = "erased: deleted with the row it belongs to"
# Every column of every table. Anything personal says how erasure covers it.
COLUMNS: dict[str, str] = {
    **{f"users.{c}": ERASED_ROW for c in ("id", "chat_id", "locale", "language_code", "active")},
    "users.created_at": ERASED_ROW,
    "users.updated_at": ERASED_ROW,
    **{
        f"profiles.{c}": ERASED_ROW
        for c in (
            "user_id",
            "consent",
            "consent_at",
            "display_name",
            *TRACKED_FIELDS,  # the fields whose changes bot/profiles.py records
            "paused",
            "onboarded_at",
            "created_at",
            "updated_at",
        )
    },
    **{
        f"children.{c}": ERASED_ROW
        for c in ("id", "user_id", "birth_date", "nickname", "created_at")
    },
    **{
        f"profile_changes.{c}": ERASED_ROW
        for c in ("id", "user_id", "field", "old_value", "new_value", "changed_at")
    },
    "profile_changes.changed_by": ERASED_ID,
    **{
        f"dialogs.{c}": ERASED_ROW
        for c in ("user_id", "flow", "step", "data", "updated_at", "version")
    },
    **{
        f"inbox.{c}": ERASED_ROW
        for c in (
            "update_id",
            "person",
            "payload",
            "status",
            "leased_by",
            "leased_until",
            "attempts",
            "received_at",
            "handled_at",
            "resend",
        )
    },
    **{
        f"reports.{c}": ERASED_ROW
        for c in ("id", "user_id", "subject", "child_id", "data", "level", "reasons", "created_at")
    },
    **{
        f"alerts.{c}": ERASED_ROW
        for c in (
            "id",
            "report_id",
            "user_id",
            "community_code",
            "level",
            "status",
            "acknowledged_at",
            "contacted_at",
            "escalate_at",
            "escalated_at",
            "created_at",
        )
    },
    "alerts.acknowledged_by": ERASED_ID,
    "alerts.contacted_by": ERASED_ID,
    "alerts.escalated_by": ERASED_ID,
    **{
        f"notes.{c}": ERASED_ROW
        for c in ("id", "subject_user_id", "alert_id", "text", "created_at")
    },
    "notes.staff_id": ERASED_ID,
    **{
        f"staff.{c}": ERASED_ROW
        for c in ("user_id", "role", "display_name", "active", "introduce_as")
    },
    "staff.created_at": ERASED_ROW,
    "staff_communities.staff_id": ERASED_ROW,
    "staff_communities.community_code": ERASED_ROW,
    "invites.redeemed_by": ERASED_ID,
    "invites.created_by": ERASED_ID,
    **{
        f"invites.{c}": "not personal: an invite's token, role, communities and times"
        for c in ("token", "role", "communities", "created_at", "expires_at", "redeemed_at")
    },
    "audit_log.actor_id": ERASED_ID,
    "audit_log.subject_user_id": "erased: set to NULL; the entry keeps its action and time",
    "audit_log.detail": "erased: ids about her leave it (a count of erased subjects stays)",
    "audit_log.id": "not personal: a row number",
    "audit_log.action": "not personal: what was done (ack, view, export)",
    "audit_log.at": "not personal: when",
    "outbox.chat_id": "erased: messages to her chat are deleted",
    "outbox.payload": (
        "erased: messages to her and every copy about her alerts are deleted; copies "
        "already delivered are replaced by an edit saying the content was removed; the "
        "staff notice of her leaving names nobody"
    ),
    "outbox.alert_id": DELETED_WITH,
    "outbox.message_id": "not personal: Telegram's number of a message in a staff chat",
    "outbox.dedupe_key": "not personal: built from row ids, never from names or Telegram ids",
    **{
        f"outbox.{c}": "not personal: delivery bookkeeping"
        for c in (
            "id",
            "kind",
            "after_id",
            "status",
            "attempts",
            "next_attempt_at",
            "leased_until",
            "leased_by",
            "last_error",
            "created_at",
            "sent_at",
            "priority",
        )
    },
    "outbox.broadcast_id": "not personal: which broadcast a message belongs to",
    "broadcasts.created_by": ERASED_ID,
    "broadcasts.confirmed_by": ERASED_ID,
    "broadcasts.progress_chat_id": ERASED_ID,
    **{
        f"broadcasts.{c}": "not personal: an admin's public notice, its segment and figures"
        for c in (
            "id",
            "texts",
            "segment",
            "urgent",
            "status",
            "recipients",
            "send_at",
            "progress_message_id",
            "created_at",
            "cancelled_at",
        )
    },
    **{
        f"communities.{c}": "not personal: the published list of communities"
        for c in (
            "code",
            "name_zh",
            "name_en",
            "district_zh",
            "district_en",
            "latitude",
            "longitude",
        )
    },
    **{
        f"places.{c}": "not personal: the published list of clinics and hospitals"
        for c in (
            "id",
            "name",
            "type",
            "district",
            "address",
            "phone",
            "latitude",
            "longitude",
            "hours",
            "notes",
            "name_en",
            "address_en",
            "notes_en",
        )
    },
    **{
        f"place_lists.{c}": "not personal: metadata of the published clinic list"
        for c in ("id", "published", "imported_at", "source_name", "count")
    },
    **{
        f"followup_items.{c}": ERASED_ROW
        for c in (
            "id",
            "user_id",
            "key",
            "event",
            "action",
            "ref",
            "status",
            "token",
            "sent_at",
            "expires_at",
            "answered_at",
            "ladder_steps",
            "next_step_at",
        )
    },
    **{
        f"followup_tasks.{c}": ERASED_ROW
        for c in (
            "id",
            "user_id",
            "item_id",
            "community_code",
            "reason",
            "urgency",
            "status",
            "outcome",
            "created_at",
            "digested_at",
            "closed_at",
        )
    },
    "followup_tasks.closed_by": ERASED_ID,
    "counters.name": "not personal: anonymous counts",
    "counters.value": "not personal: anonymous counts",
}
