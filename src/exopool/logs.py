"""Structured JSON log lines, one object per line, carrying the request id where there is one."""

from __future__ import annotations

import asyncio
import json
import logging
import sys
import time
from contextvars import ContextVar
from json.encoder import encode_basestring_ascii
from typing import Any

# Set for the duration of each HTTP request (threads running its database work inherit it), so
# every line logged on the request's behalf carries its id, not only the access line.
current_request_id: ContextVar[str | None] = ContextVar("current_request_id", default=None)

EXTRA_FIELDS = ("request_id", "method", "path", "status", "duration_ms", "release_sid", "worker")


_encode = json.JSONEncoder(separators=(",", ":")).encode  # json.dumps builds an encoder per call
_string = encode_basestring_ascii  # what json.dumps does with a str alone, without its two Python layers


class JsonFormatter(logging.Formatter):
    _second: tuple[int, str] = (-1, "")

    def format(self, record: logging.LogRecord) -> str:
        fields = record.__dict__
        extra = {name: fields[name] for name in EXTRA_FIELDS if name in fields}
        if record.exc_info:
            extra["traceback"] = self.formatException(record.exc_info)
        return self.line(record.created, record.levelname.lower(), record.name, record.getMessage(), extra)

    def line(self, created: float, level: str, logger: str, message: str, extra: dict[str, Any]) -> str:
        return _encode({"time": self._time(created), "level": level, "logger": logger, "message": message, **extra})

    def access_line(self, created: float, logger: str, request_id: str, method: str, path: str, status: int,
                    duration_ms: float) -> str:
        """The line line() writes for an access record, field for field, without a dict to encode.

        Written once per request, where building and encoding the dict cost ~10% of a release.
        The strings are JSON-escaped as the encoder does; an int and a float write themselves.
        """
        return (f'{{"time":"{self._time(created)}","level":"info","logger":{_string(logger)},"message":"request",'
                f'"request_id":{_string(request_id)},"method":{_string(method)},"path":{_string(path)},'
                f'"status":{int(status)},"duration_ms":{float(duration_ms)!r}}}')

    def _time(self, created: float) -> str:
        """ISO 8601 UTC with microseconds; the formatted second is reused, as one is logged many times."""
        second, micro = divmod(round(created * 1_000_000), 1_000_000)
        cached_second, stamp = self._second
        if second != cached_second:
            stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
            self._second = (second, stamp)
        return f"{stamp}.{micro:06d}Z"


class TurnBatchingHandler(logging.StreamHandler):  # type: ignore[type-arg]  # generic in the stubs only
    """Writes the lines logged during one turn of an event loop in one write; elsewhere, at once.

    A write per line was a system call per request, more than the rest of the access log.
    The lines still reach the stream within the turn that logged them, in order.
    """

    def __init__(self, stream: Any = None) -> None:
        super().__init__(stream)
        self._pending: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:  # called with self.lock held
        try:
            line = self.format(record)
        except Exception:  # noqa: BLE001 - the logging module's own policy
            self.handleError(record)
            return
        self.add(line)

    def add(self, line: str) -> None:
        """Queue one formatted line; on an event loop it is written at the end of the turn, elsewhere at once."""
        with self.lock:  # type: ignore[union-attr]  # Handler.__init__ made it; None only before
            self._pending.append(line + self.terminator)
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                self._write_pending()
                return
            if len(self._pending) == 1:
                loop.call_soon(self.flush)

    def flush(self) -> None:
        with self.lock:  # type: ignore[union-attr]  # Handler.__init__ made it; None only before
            self._write_pending()

    def _write_pending(self) -> None:
        if self._pending:
            text, self._pending = "".join(self._pending), []
            try:
                self.stream.write(text)
            except Exception:  # noqa: BLE001 - as StreamHandler: a broken stream must not break requests
                self.handleError(logging.makeLogRecord({"msg": text}))
        super().flush()


class RequestIdFilter(logging.Filter):
    """Stamp each record with the id of the request it was logged under, as it is logged."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id") and (request_id := current_request_id.get()):
            record.request_id = request_id
        return True


class AccessLog:
    """The one line of each request, on the logger `exopool.access`.

    When configure_logging has made a JSON TurnBatchingHandler the only destination of lines, the
    access line is formatted and queued on it directly, as the same JSON object the logging module
    would write: a LogRecord and the trip through loggers, filters and handlers cost more per
    request than a release's SQL. With any other logging set-up (tests capturing records, say)
    it goes through the logging module like every other line.
    """

    logger = logging.getLogger("exopool.access")
    direct: tuple[TurnBatchingHandler, JsonFormatter] | None = None

    @classmethod
    def write(cls, request_id: str, method: str, path: str, status: int, duration_ms: float) -> None:
        if not cls.logger.isEnabledFor(logging.INFO):
            return
        direct = cls.direct
        if direct is None or logging.root.handlers != [direct[0]]:  # set up otherwise since
            cls.logger.info("request", extra={"request_id": request_id, "method": method, "path": path,
                                              "status": status, "duration_ms": duration_ms})
            return
        handler, formatter = direct
        handler.add(formatter.access_line(time.time(), cls.logger.name, request_id, method, path, status, duration_ms))


def configure_logging(level: str = "INFO", as_json: bool = True) -> None:
    # A log line per request: skip the caller lookup and the thread/process names nobody prints.
    logging._srcfile = None
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
    handler = TurnBatchingHandler(sys.stderr)
    handler.addFilter(RequestIdFilter())
    formatter = JsonFormatter() if as_json else logging.Formatter("%(levelname)s %(name)s %(message)s")
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    access = AccessLog.logger
    alone = as_json and access.propagate and not access.handlers and not access.filters
    AccessLog.direct = (handler, formatter) if alone and isinstance(formatter, JsonFormatter) else None
