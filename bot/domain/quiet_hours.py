"""Quiet hours: the local night during which nothing non-urgent is sent.

Follow-up messages and broadcasts are *held*, not dropped, while quiet hours
last (CommCare's restricted send times); emergency answers and escalations
ignore them. The window may cross midnight (21:00-08:00, the default) or not
(13:00-14:00); a window whose start equals its end is empty.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta, tzinfo

_WINDOW = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


@dataclass(frozen=True)
class QuietHours:
    start: time
    end: time

    @classmethod
    def parse(cls, text: str) -> QuietHours:
        """Read "HH:MM-HH:MM"; raise ValueError naming what is wrong."""
        match = _WINDOW.match(text)
        if match is None:
            raise ValueError("must look like 21:00-08:00")
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59:
            raise ValueError("hours must be 00-23 and minutes 00-59")
        return cls(time(h1, m1), time(h2, m2))

    def contains(self, local: time) -> bool:
        """Whether a local wall-clock time falls inside the quiet window."""
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def release(self, moment: datetime, zone: tzinfo) -> datetime:
        """The earliest instant at or after `moment` that is outside quiet hours.

        `moment` is aware; the answer is in the same time zone as `moment`. A
        held message goes out when the window ends, on the right local day.
        """
        local = moment.astimezone(zone)
        if not self.contains(local.time().replace(tzinfo=None)):
            return moment
        end_today = local.replace(
            hour=self.end.hour, minute=self.end.minute, second=0, microsecond=0
        )
        release = end_today if end_today > local else end_today + timedelta(days=1)
        # Rebuild from wall-clock fields so a DST change in between keeps the local hour.
        release = datetime.combine(release.date(), self.end, tzinfo=zone)
        return release.astimezone(moment.tzinfo)
