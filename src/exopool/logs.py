"""Structured JSON log lines, one object per line, carrying the request id where there is one."""

from __future__ import annotations

import json
import logging
import sys
import time

EXTRA_FIELDS = ("request_id", "method", "path", "status", "duration_ms", "release_sid", "worker")


_encode = json.JSONEncoder(separators=(",", ":")).encode  # json.dumps builds an encoder per call


class JsonFormatter(logging.Formatter):
    _second: tuple[int, str] = (-1, "")

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": self._time(record.created),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        fields = record.__dict__
        line.update({name: fields[name] for name in EXTRA_FIELDS if name in fields})
        if record.exc_info:
            line["traceback"] = self.formatException(record.exc_info)
        return _encode(line)

    def _time(self, created: float) -> str:
        """ISO 8601 UTC with microseconds; the formatted second is reused, as one is logged many times."""
        second, micro = divmod(round(created * 1_000_000), 1_000_000)
        cached_second, stamp = self._second
        if second != cached_second:
            stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
            self._second = (second, stamp)
        return f"{stamp}.{micro:06d}Z"


def configure_logging(level: str = "INFO", as_json: bool = True) -> None:
    # A log line per request: skip the caller lookup and the thread/process names nobody prints.
    logging._srcfile = None
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if as_json else logging.Formatter("%(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
