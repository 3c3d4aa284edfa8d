"""WAL checkpoints on a thread of their own, for the process that serves requests on SQLite.

By default SQLite checkpoints inside whichever commit pushes the write-ahead log past 1,000
pages: that commit copies the log into the database file and syncs both, while every request
of its batch waits. Here the serving connection never checkpoints; a thread with its own
connection runs a PASSIVE checkpoint every interval instead (it copies what no reader still
needs and never blocks a writer), and SQLite releases the GIL while it does, so the copying
and syncing overlap the event loop's work instead of stalling it.

A PASSIVE checkpoint copies the log only up to where it stood when the pass began, and SQLite
starts the log over only when a new transaction finds all of it copied. Under writes with no
pause the passes never catch up, and the log grew without end (650 MB in 8 s of releases).
So when a pass leaves the log longer than its limit, the thread takes the process's writer
slot, which waits for the transaction and commit in flight, and copies the rest while no
writer of this process can add to it; the next transaction then starts the log from its
beginning. The pause is one short pass (what was written since the previous one).

A reader in another process (a release worker, a CLI command) can pin the log: no pass copies
what its snapshot may still need. A pass that held the slot and still left frames behind is
then not tried again for a while, instead of pausing this process's writers every interval.
Other processes that write keep adding to the log while the slot is held, so with several
serving processes on one SQLite file the limit is not kept.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time

from exopool.config import Settings
from exopool.db.dialects import checkpoint_passive, sqlite_page_size
from exopool.db.writer import Slot

log = logging.getLogger("exopool.db")


class Checkpointer:
    def __init__(self, path: str, interval_s: float = 0.1, *, writer: Slot | None = None,
                 limit_bytes: int = Settings().sqlite_wal_limit_bytes, pinned_pause_s: float = 5.0) -> None:
        """writer: the slot this process's transactions hold, for passes that must finish the log;
        pinned_pause_s: how long to leave the log be after another process's reader kept a finishing
        pass from copying all of it."""
        self.path, self.interval_s, self.writer, self.limit_bytes = path, interval_s, writer, limit_bytes
        self.pinned_pause_s = pinned_pause_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._next_finish = 0.0  # time.monotonic() before which no pass holds the writer slot
        self.checkpoints = 0  # completed passes, for tests and curiosity
        self.finished_logs = 0  # passes that held the writer slot and copied the log to its end
        self.pinned_logs = 0  # passes that held the writer slot but found part of the log still read

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="wal-checkpoint", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def _run(self) -> None:
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=5)
        try:
            limit_frames = self.limit_bytes // (sqlite_page_size(conn) + _FRAME_HEADER)
            while not self._stop.wait(self.interval_s):
                self.checkpoint(conn, limit_frames)
            self.checkpoint(conn, limit_frames)
        finally:
            conn.close()

    def checkpoint(self, conn: sqlite3.Connection, limit_frames: int) -> None:
        try:
            frames, _ = checkpoint_passive(conn)
            if frames > limit_frames and self.writer is not None and time.monotonic() >= self._next_finish:
                self._finish_log(conn, frames, limit_frames)
            self.checkpoints += 1
        except sqlite3.Error as error:  # a busy or vanished database: try again next time
            log.warning("WAL checkpoint failed: %s", error)

    def _finish_log(self, conn: sqlite3.Connection, frames: int, limit_frames: int) -> None:
        """Copy the log to its end while no transaction of this process can write.

        Passes with writers going on come first, each with less to copy than the one before, so
        the pass that holds the slot (and the fsync it ends with) is a short one; a log already
        twice its limit skips them, as waiting on them let it grow further.
        """
        assert self.writer is not None
        for _ in range(_CATCH_UP_PASSES):
            if frames > _FAR_PAST * limit_frames:  # catching up lets the log grow: hold the writers now
                break
            now, _ = checkpoint_passive(conn)
            added, frames = now - frames, now
            if added < _SHORT_PASS_FRAMES:  # a short remainder, or the log started over meanwhile
                break
        self.writer.take()
        try:
            frames, copied = checkpoint_passive(conn)
        finally:
            self.writer.give_back()
        if copied < frames:  # another process's snapshot still needs the rest: holding writers is no use
            self.pinned_logs += 1
            self._next_finish = time.monotonic() + self.pinned_pause_s
        else:
            self.finished_logs += 1


_FRAME_HEADER = 24  # bytes before each page in the WAL
_CATCH_UP_PASSES = 4
_SHORT_PASS_FRAMES = 256  # ~1 MB: copied and synced in a few milliseconds
# A log this many times its limit is finished at once: on a busy machine each catch-up pass took long
# enough for the writers to add more than it copied, and the log peaked at several times its limit.
_FAR_PAST = 2

