"""JSON log lines: one per record, written once per event-loop turn on a loop, at once elsewhere."""

from __future__ import annotations

import asyncio
import io
import json
import logging

from exopool.logs import JsonFormatter, TurnBatchingHandler
from tests.support import run_async


class CountingStream(io.StringIO):
    def __init__(self) -> None:
        super().__init__()
        self.writes = 0

    def write(self, text: str) -> int:
        self.writes += 1
        return super().write(text)


def a_logger(stream: CountingStream) -> logging.Logger:
    handler = TurnBatchingHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger(f"test.logs.{id(stream)}")
    logger.handlers[:] = [handler]
    logger.propagate = False
    logger.setLevel(logging.INFO)
    return logger


def test_lines_of_one_loop_turn_reach_the_stream_together_and_in_order() -> None:
    stream = CountingStream()
    logger = a_logger(stream)

    async def one_turn() -> str:
        for request_id in ("r1", "r2", "r3"):
            logger.info("request", extra={"request_id": request_id})
        before = stream.getvalue()
        await asyncio.sleep(0)
        return before

    assert run_async(one_turn()) == ""
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [line["request_id"] for line in lines] == ["r1", "r2", "r3"]
    assert stream.writes == 1


def test_outside_an_event_loop_a_line_is_written_at_once() -> None:
    stream = CountingStream()
    a_logger(stream).warning("now", extra={"worker": "w1"})
    line = json.loads(stream.getvalue())
    assert (line["message"], line["level"], line["worker"]) == ("now", "warning", "w1")
    assert line["time"].endswith("Z") and len(line["time"]) == len("2026-01-01T00:00:00.000000Z")


def test_the_direct_access_line_is_the_line_the_logging_module_would_write() -> None:
    from exopool.logs import AccessLog, configure_logging

    saved = logging.root.handlers[:], logging.root.level, AccessLog.direct
    stream = CountingStream()
    try:
        configure_logging("INFO", as_json=True)
        handler = logging.root.handlers[0]
        handler.setStream(stream)
        assert AccessLog.direct is not None

        path = '/v2_beta/x"\\y\u00e9\n\x00\U0001f4de'  # quote, backslash, accent, control, NUL, outside the BMP

        async def one_turn() -> None:
            AccessLog.write("r1", "DELETE", path, 202, 1.5)
            AccessLog.write("r2", "GET", "/", 404, 0.1234)
            await asyncio.sleep(0)

        run_async(one_turn())
        lines = stream.getvalue().splitlines()
        assert len(lines) == 2
        for text, (request_id, method, at, status, ms) in zip(
                lines, [("r1", "DELETE", path, 202, 1.5), ("r2", "GET", "/", 404, 0.1234)], strict=True):
            direct = json.loads(text)
            record = logging.makeLogRecord({"name": "exopool.access", "msg": "request", "levelno": logging.INFO,
                                            "levelname": "INFO", "request_id": request_id, "method": method,
                                            "path": at, "status": status, "duration_ms": ms})
            through_logging = JsonFormatter().format(record)
            assert direct["path"] == at and direct["time"].endswith("Z")
            # The same text, field for field and in the same order, but for the time it was written.
            assert text.replace(direct["time"], "") == \
                through_logging.replace(json.loads(through_logging)["time"], "")
    finally:
        logging.root.handlers[:], AccessLog.direct = saved[0], saved[2]
        logging.root.setLevel(saved[1])


def test_with_other_handlers_the_access_line_goes_through_the_logging_module() -> None:
    from exopool.logs import AccessLog, configure_logging

    saved = logging.root.handlers[:], logging.root.level, AccessLog.direct
    captured: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            captured.append(record)

    try:
        configure_logging("INFO", as_json=True)
        logging.root.addHandler(Keep())  # e.g. a test capturing records
        AccessLog.write("r2", "GET", "/v2_beta/y", 200, 0.5)
        assert [(r.name, r.request_id, r.status) for r in captured] == [("exopool.access", "r2", 200)]  # type: ignore[attr-defined]
    finally:
        logging.root.handlers[:], AccessLog.direct = saved[0], saved[2]
        logging.root.setLevel(saved[1])
