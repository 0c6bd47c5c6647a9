"""The broadcast buttons' data (`bc:<action>:<broadcast id>`), through the one codec.

The progress message's cancel button and the second admin's confirm button are built
here, in the service layer, as well as the preview's buttons in the handler; one
declaration keeps them readable by the same handler, and a garbled or forged press
(a '²' for a digit, a 26-digit id) unpacks to None instead of raising.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.conversation.callback_data import CallbackData

PREFIX = "bc"
ACTIONS = frozenset({"test", "send", "drop", "confirm", "cancel"})


@dataclass(frozen=True)
class BroadcastButton(CallbackData, prefix=PREFIX):
    action: str
    broadcast_id: int

    def __post_init__(self) -> None:
        if self.action not in ACTIONS:
            raise ValueError(self.action)
