"""The Bot API transport, made to commit the update's work before each request.

Every reply, button answer and edit goes through here, so "your report is
saved" can never reach the person before the report is in the database: the
unit of work (storage/db.py) commits first. Outside an update's handling
(delivery worker, start-up) there is no unit and nothing to commit.
"""

from __future__ import annotations

from typing import Any

from telegram.request import HTTPXRequest

from storage.db import commit_before_sending


class CommittingRequest(HTTPXRequest):
    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        await commit_before_sending()
        return await super().do_request(*args, **kwargs)
