"""The process's one SQLite writer: in-process writers queue on this slot, not in SQLite's busy handler."""

from __future__ import annotations

import threading
from typing import Protocol


class Slot(Protocol):
    """Taken on one thread, possibly given back by another (group commit's commit thread)."""

    def take(self) -> None: ...

    def give_back(self) -> None: ...


class WriterSlot:
    """The process's one SQLite writer.

    As a context manager it is held by one thread for one transaction, and a thread already
    holding it may enter again (a transaction that calls code opening its own). Group commit
    takes it on the event loop's thread and its commit thread gives it back, so it is a plain
    lock, not an RLock, which only its owner may release. (SQLite's busy handler sleeps longer
    at each try, and stalled the event loop long after the lock was free.)
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._depth = threading.local()

    def take(self) -> None:
        self._lock.acquire()

    def give_back(self) -> None:
        self._lock.release()

    def __enter__(self) -> None:
        depth = getattr(self._depth, "n", 0)
        if depth == 0:
            self.take()
        self._depth.n = depth + 1

    def __exit__(self, *exc: object) -> None:
        self._depth.n -= 1
        if self._depth.n == 0:
            self.give_back()
