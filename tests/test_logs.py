"""JSON log lines: one per record, written once per event-loop turn on a loop, at once elsewhere."""

from __future__ import annotations

import asyncio
import io
import json
import logging

from exopool.logs import JsonFormatter, TurnBatchingHandler


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

    assert asyncio.run(one_turn()) == ""
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [line["request_id"] for line in lines] == ["r1", "r2", "r3"]
    assert stream.writes == 1


def test_outside_an_event_loop_a_line_is_written_at_once() -> None:
    stream = CountingStream()
    a_logger(stream).warning("now", extra={"worker": "w1"})
    line = json.loads(stream.getvalue())
    assert (line["message"], line["level"], line["worker"]) == ("now", "warning", "w1")
    assert line["time"].endswith("Z") and len(line["time"]) == len("2026-01-01T00:00:00.000000Z")
