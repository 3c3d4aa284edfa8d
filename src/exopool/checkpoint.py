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

log = logging.getLogger("exopool.db")


class Checkpointer:
    def __init__(self, path: str, interval_s: float = 0.1) -> None:
        self.path, self.interval_s = path, interval_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.checkpoints = 0  # completed passes, for tests and curiosity

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
            while not self._stop.wait(self.interval_s):
                self.checkpoint(conn)
            self.checkpoint(conn)
        finally:
            conn.close()

    def checkpoint(self, conn: sqlite3.Connection) -> None:
        try:
            conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
            self.checkpoints += 1
        except sqlite3.Error as error:  # a busy or vanished database: try again next time
            log.warning("WAL checkpoint failed: %s", error)
