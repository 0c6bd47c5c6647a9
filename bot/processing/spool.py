"""A local file that keeps updates while the database cannot be reached.

Telegram must be told an update arrived (the webhook's 200, polling's next
offset) or it stops delivering the ones behind it; the database, where
updates are normally kept first, may be down. Then the update is appended to
this worker's spool file (fsync'd, so kill -9 cannot take it) and moved into
the inbox as soon as the database answers again. Each worker writes its own
file under an exclusive lock; a worker that finds another's file unlocked
(its writer died) moves that one too.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import IO, Any

log = logging.getLogger(__name__)
SUFFIX = ".jsonl"


class Spool:
    def __init__(self, directory: Path, owner: str) -> None:
        self.directory = directory
        safe = "".join(ch if ch.isalnum() else "-" for ch in owner)
        self.path = directory / f"{safe}{SUFFIX}"
        self._file: IO[str] | None = None

    def append(self, payload: dict[str, Any]) -> None:
        """Keep one update durably; raises OSError if even the disk refuses."""
        if self._file is None:
            self.directory.mkdir(parents=True, exist_ok=True)
            self._file = self.path.open("a", encoding="utf-8")
            fcntl.flock(self._file, fcntl.LOCK_EX)  # ours while we live
        self._file.write(json.dumps(payload, ensure_ascii=False) + "\n")
        self._file.flush()
        os.fsync(self._file.fileno())

    def waiting(self) -> bool:
        return self.directory.is_dir() and any(self.directory.glob(f"*{SUFFIX}"))

    async def move(self, record: Callable[[list[dict[str, Any]]], Awaitable[None]]) -> int:
        """Hand every spooled update to `record` (the inbox); a file is removed only after
        its updates are recorded. Returns how many were moved."""
        moved = 0
        for path in sorted(self.directory.glob(f"*{SUFFIX}")) if self.directory.is_dir() else []:
            with self._claimed(path) as handle:
                if handle is None:
                    continue
                payloads = [json.loads(line) for line in handle.read().splitlines() if line]
                if payloads:
                    await record(payloads)
                path.unlink()
                moved += len(payloads)
                if path == self.path and self._file is not None:
                    self._file.close()
                    self._file = None
        if moved:
            log.info("moved %s updates from the spool into the inbox", moved)
        return moved

    @contextlib.contextmanager
    def _claimed(self, path: Path) -> Iterator[IO[str] | None]:
        if path == self.path and self._file is not None:
            with path.open("r", encoding="utf-8") as handle:
                yield handle  # our own file: we already hold its lock
            return
        try:
            handle = path.open("r", encoding="utf-8")
        except FileNotFoundError:
            yield None
            return
        with handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield None  # a live worker's file
                return
            yield handle
