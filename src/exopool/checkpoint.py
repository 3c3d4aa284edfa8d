"""WAL checkpoints on a thread of their own, for the process that serves requests on SQLite.

By default SQLite checkpoints inside whichever commit pushes the write-ahead log past 1,000
pages: that commit copies the log into the database file and syncs both, while every request
of its batch waits. Here the serving connection never checkpoints; a thread with its own
connection runs a PASSIVE checkpoint every interval instead (it copies what no reader still
needs and never blocks a writer), and SQLite releases the GIL while it does, so the copying
and syncing overlap the event loop's work instead of stalling it.
"""

from __future__ import annotations

import logging
import sqlite3
import threading

from exopool.group_commit import Slot

log = logging.getLogger("exopool.db")


class Checkpointer:
    def __init__(self, path: str, interval_s: float = 0.1, *, writer: Slot | None = None,
                 limit_bytes: int = 64 << 20) -> None:
        """writer: the slot this process's transactions hold, for passes that must finish the log."""
        self.path, self.interval_s, self.writer, self.limit_bytes = path, interval_s, writer, limit_bytes
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.checkpoints = 0  # completed passes, for tests and curiosity
        self.finished_logs = 0  # passes that held the writer slot to copy a long log to its end

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
            limit_frames = self.limit_bytes // (conn.execute("PRAGMA page_size").fetchone()[0] + _FRAME_HEADER)
            while not self._stop.wait(self.interval_s):
                self.checkpoint(conn, limit_frames)
            self.checkpoint(conn, limit_frames)
        finally:
            conn.close()

    def checkpoint(self, conn: sqlite3.Connection, limit_frames: int) -> None:
        try:
            _, frames, _ = _passive(conn)
            if frames > limit_frames and self.writer is not None:
                self._finish_log(conn, frames)
            self.checkpoints += 1
        except sqlite3.Error as error:  # a busy or vanished database: try again next time
            log.warning("WAL checkpoint failed: %s", error)

    def _finish_log(self, conn: sqlite3.Connection, frames: int) -> None:
        """Copy the log to its end while no transaction of this process can write.

        Passes with writers going on come first, each with less to copy than the one before, so
        the pass that holds the slot (and the fsync it ends with) is a short one.
        """
        assert self.writer is not None
        for _ in range(_CATCH_UP_PASSES):
            _, now, _ = _passive(conn)
            added, frames = now - frames, now
            if added < _SHORT_PASS_FRAMES:  # a short remainder, or the log started over meanwhile
                break
        self.writer.take()
        try:
            _passive(conn)
            self.finished_logs += 1
        finally:
            self.writer.give_back()


_FRAME_HEADER = 24  # bytes before each page in the WAL
_CATCH_UP_PASSES = 4
_SHORT_PASS_FRAMES = 256  # ~1 MB: copied and synced in a few milliseconds


def _passive(conn: sqlite3.Connection) -> tuple[int, int, int]:
    """(busy, frames in the log, frames copied into the database file)."""
    busy, frames, copied = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    return busy, frames, copied
