"""The operator's pages of what happened: the release queue (failed releases first, each with a retry)
and the event log of every account (filters, paging back in time, and an export of what it filters)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, NamedTuple

from sqlalchemy import Connection
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from exopool.errors import AccountNotFound, ExopoolError, InvalidParameter
from exopool.http.requests import parse_int
from exopool.lifecycle import JobState
from exopool.services import accounts, events, releases
from exopool.web.errors import field_errors
from exopool.web.labels import EVENTS, event_label
from exopool.web.pages import GET, POST
from exopool.web.visit import OPERATOR, Visit, page

FAILED_SHOWN = 100
RELEASES_SHOWN = 50
EVENTS_SHOWN = 50
EXPORT_BATCH = 1000
MOST_ID = 10**18
EXPORT_COLUMNS = ("id", "at", "kind", "account_sid", "phone_number", "number_sid", "api_key", "actor", "request_id",
                  "data")
FORMATS = {"csv": ("text/csv; charset=utf-8", "csv"), "ndjson": ("application/x-ndjson", "ndjson")}


@page(who=OPERATOR)
async def list_releases_page(visit: Visit) -> Response:
    """Failed releases first, then the others newest first, a page at a time (?before= a job id)."""
    before = parse_int("before", visit.request.query_params.get("before"), 0, 0, MOST_ID) or None

    def load(conn: Connection) -> tuple[list[Any], list[Any]]:
        failed = releases.list_releases(conn, state=JobState.FAILED.value, limit=FAILED_SHOWN)
        recent = releases.list_releases(conn, limit=RELEASES_SHOWN + 1, before=before)
        return failed, recent

    failed, recent = await visit.run(load)
    shown = recent[:RELEASES_SHOWN]
    return visit.render("operator/releases.html", {
        "failed": failed, "others": [job for job in shown if job.state != JobState.FAILED],
        "next_before": shown[-1].id if len(recent) > RELEASES_SHOWN else None, "before": before, "nav": "releases",
    })


@page(who=OPERATOR)
async def retry_release_page(visit: Visit) -> Response:
    """Send a failed release back to the queue; retrying one that is not failed is a 409 page."""
    sid, now = visit.request.path_params["sid"], visit.runtime.clock.now()
    job = await visit.run(lambda conn: releases.retry_release(conn, now, visit.actor(), sid))
    visit.flash(f"Release of {job.phone_number} is queued again, with a fresh budget of attempts.")
    return visit.redirect("/operator/releases")


class EventFilters(NamedTuple):
    account: str
    kind: str
    since: str

    def query(self) -> dict[str, str]:
        return {name: value for name, value in self._asdict().items() if value}


def _filters(visit: Visit) -> EventFilters:
    params = visit.request.query_params
    return EventFilters(*(params.get(name, "").strip() for name in EventFilters._fields))


def _since(raw: str) -> datetime | None:
    """A time as the page's field sends it (2026-03-02T09:30), or with seconds and a zone; UTC when none."""
    if not raw:
        return None
    try:
        parsed = datetime.fromisoformat(raw.replace("z", "Z").replace("Z", "+00:00"))
    except ValueError as error:
        raise InvalidParameter("since", f"must be a time such as 2026-03-02T09:30, not {raw!r}") from error
    return parsed.astimezone(UTC).replace(tzinfo=None) if parsed.tzinfo else parsed


def _account_id(conn: Connection, sid: str) -> int | None:
    if not sid:
        return None
    try:
        return int(accounts.get_account(conn, sid).id)
    except AccountNotFound as error:
        raise InvalidParameter("account", f"{sid!r} is not the sid of any account") from error


@page(who=OPERATOR)
async def list_events_page(visit: Visit) -> Response:
    """The log, newest first, EVENTS_SHOWN to a page; ?before= the id below which a page starts."""
    filters = _filters(visit)
    context: dict[str, Any] = {"filters": filters, "kinds": sorted(EVENTS), "event_label": event_label,
                               "nav": "log", "events": [], "query": filters.query()}
    try:
        before = parse_int("before", visit.request.query_params.get("before"), 0, 0, MOST_ID) or None
        since = _since(filters.since)

        def load(conn: Connection) -> list[Any]:
            return events.events_before(conn, before=before, account_id=_account_id(conn, filters.account),
                                        kind=filters.kind or None, since=since, limit=EVENTS_SHOWN + 1)

        found = await visit.run(load)
    except ExopoolError as error:
        return visit.render("operator/events.html", {**context, "errors": field_errors(error)}, status=error.status)
    shown = found[:EVENTS_SHOWN]
    return visit.render("operator/events.html", {
        **context, "events": shown, "before": before,
        "next_before": shown[-1].id if len(found) > EVENTS_SHOWN else None,
    })


@page(who=OPERATOR)
async def export_events_page(visit: Visit) -> Response:
    """Every event the filters select, oldest first, as a CSV or NDJSON download, read a batch at a time."""
    filters, wanted = _filters(visit), visit.request.query_params.get("format", "csv")
    if wanted not in FORMATS:
        raise InvalidParameter("format", f"must be csv or ndjson, not {wanted!r}")
    since = _since(filters.since)
    account_id = await visit.run(_account_id, filters.account)

    def read(after: int) -> Awaitable[list[Any]]:
        return visit.run(lambda conn: events.events_after(conn, after=after, account_id=account_id,
                                                          kind=filters.kind or None, since=since,
                                                          limit=EXPORT_BATCH))

    media, suffix = FORMATS[wanted]
    lines = _csv_lines(read) if wanted == "csv" else _ndjson_lines(read)
    name = f"exopool-events-{visit.runtime.clock.now():%Y%m%dT%H%M%S}.{suffix}"
    return StreamingResponse(lines, media_type=media, headers={"content-disposition": f'attachment; filename="{name}"'})


Reader = Callable[[int], Awaitable[list[Any]]]  # the events after an id, a batch of them


async def _batches(read: Reader) -> AsyncIterator[list[Any]]:
    after = 0
    while batch := await read(after):
        yield batch
        if len(batch) < EXPORT_BATCH:
            return
        after = batch[-1].id


def _record(row: Any) -> dict[str, Any]:
    at = row.at.isoformat(timespec="seconds") + "Z"
    return {"id": row.id, "at": at, "kind": row.kind, "account_sid": row.account_sid, "phone_number": row.phone_number,
            "number_sid": row.number_sid, "api_key": row.api_key, "actor": row.actor, "request_id": row.request_id,
            "data": row.data}


async def _ndjson_lines(read: Reader) -> AsyncIterator[bytes]:
    async for batch in _batches(read):
        yield "".join(json.dumps(_record(row), separators=(",", ":")) + "\n" for row in batch).encode()


async def _csv_lines(read: Reader) -> AsyncIterator[bytes]:
    yield (",".join(EXPORT_COLUMNS) + "\r\n").encode()
    async for batch in _batches(read):
        out = io.StringIO()
        writer = csv.writer(out)
        for row in batch:
            record = _record(row)
            record["data"] = json.dumps(record["data"], separators=(",", ":")) if record["data"] is not None else ""
            writer.writerow([_cell(record[name]) for name in EXPORT_COLUMNS])
        yield out.getvalue().encode()


def _cell(value: Any) -> str:
    """A CSV cell a spreadsheet shows as text: one that could start a formula gets a leading apostrophe
    (a phone number's leading + is left alone: digits only after it make no formula)."""
    text = "" if value is None else str(value)
    if text[:1] in ("=", "@", "\t", "\r") or (text[:1] in ("+", "-") and not text[1:].isdigit()):
        return "'" + text
    return text


ROUTES = [
    Route("/operator/releases", list_releases_page, methods=GET),
    Route("/operator/releases/{sid}/retry", retry_release_page, methods=POST),
    Route("/operator/events", list_events_page, methods=GET),
    Route("/operator/events/export", export_events_page, methods=GET),
]
