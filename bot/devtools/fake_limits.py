"""Telegram's two limits, checked where they matter: at the fake Bot API, as calls arrived.

A sender can space the moments its sends start and still break a limit at
the server (latency varies), so the tests judge pacing from the fake's own
record of arrival times, for every send that reached it, refused or not.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

SEND_METHODS = frozenset({"sendMessage", "sendDocument", "sendVenue", "sendLocation"})


@dataclass(frozen=True)
class Arrival:
    chat_id: int
    at: float


@dataclass(frozen=True)
class Pacing:
    sends: int
    peak_per_second: int  # most sends that arrived within any one second
    min_chat_gap: float  # shortest time between two sends arriving in one chat

    def problems(self, rate: float, chat_gap: float, *, slack: float = 0.05) -> list[str]:
        """What broke either limit; a few sends of burst are allowed (Telegram's own)."""
        found = []
        if self.peak_per_second > rate * (1 + slack) + 3:
            found.append(f"{self.peak_per_second} sends in one second at {rate}/s")
        if self.min_chat_gap < chat_gap - 0.01:
            found.append(f"two sends {self.min_chat_gap:.3f}s apart in one chat")
        return found


def pacing(arrivals: Iterable[Arrival]) -> Pacing:
    ordered = sorted(arrivals, key=lambda a: a.at)
    peak, first = 0, 0
    for last, arrival in enumerate(ordered):
        while arrival.at - ordered[first].at >= 1.0:
            first += 1
        peak = max(peak, last - first + 1)
    previous: dict[int, float] = {}
    gap = float("inf")
    for arrival in ordered:
        if arrival.chat_id in previous:
            gap = min(gap, arrival.at - previous[arrival.chat_id])
        previous[arrival.chat_id] = arrival.at
    return Pacing(len(ordered), peak, gap)


def arrivals_of_calls(calls: Iterable[object]) -> list[Arrival]:
    """From FakeTelegram.calls (ApiCall) or the fake server's JSON calls."""
    found = []
    for call in calls:
        if isinstance(call, dict):
            method, params, at = call["method"], call["params"], call["at"]
        else:
            method, params, at = call.method, call.params, call.at  # type: ignore[attr-defined]
        if method in SEND_METHODS and params.get("chat_id") is not None:
            found.append(Arrival(int(params["chat_id"]), float(at)))
    return found
