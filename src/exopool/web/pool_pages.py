"""The operator's page of the pool: its counts as a table and a chart of state by cluster, and a CSV
upload imported all or nothing by the same service as the admin API's import."""

from __future__ import annotations

import io
from collections import defaultdict
from dataclasses import dataclass
from typing import IO, Any

import anyio.to_thread
from sqlalchemy import Connection
from starlette.datastructures import UploadFile
from starlette.responses import Response
from starlette.routing import Route

from exopool.config import CLUSTERS
from exopool.errors import BadRequest, MissingParameter
from exopool.lifecycle import NumberState
from exopool.services import inventory, pool
from exopool.web.errors import message_of
from exopool.web.pages import GET, POST
from exopool.web.visit import OPERATOR, Visit, page

MAX_UPLOAD_BYTES = 1 << 30  # spooled to disk by the form parser, never held in memory
PROBLEMS_SHOWN = 1000  # a file of a million bad rows must not make a page of a million rows
STATES = [state.value for state in NumberState]


@dataclass(frozen=True)
class ClusterBar:
    """One bar of the chart: a cluster's numbers, and each state's share of them in percent."""

    cluster: str
    total: int
    parts: list[tuple[str, int, float]]  # (state, count, percent)


@page(who=OPERATOR)
async def get_pool_stats_page(visit: Visit) -> Response:
    return await _pool(visit)


async def _pool(visit: Visit, context: dict[str, Any] | None = None, status: int = 200) -> Response:
    now = visit.runtime.clock.now()
    stats = await visit.run(lambda conn: inventory.pool_stats(conn, now))
    return visit.render("operator/pool.html", {
        "stats": stats, "total": sum(row.count for row in stats), "bars": chart(stats), "states": STATES,
        "columns": pool.COLUMNS, "nav": "pool", **(context or {}),
    }, status=status)


def chart(stats: list[Any]) -> list[ClusterBar]:
    """The stats summed by cluster and state, every cluster of the service shown even when empty."""
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in stats:
        counts[row.cluster][row.state] += row.count
    bars = []
    for cluster in [*CLUSTERS, *sorted(set(counts) - set(CLUSTERS))]:
        total = sum(counts[cluster].values())
        parts = [(state, counts[cluster][state], 100 * counts[cluster][state] / total)
                 for state in STATES if counts[cluster][state]]
        bars.append(ClusterBar(cluster, total, parts))
    return bars


@page(who=OPERATOR, max_body=MAX_UPLOAD_BYTES)
async def import_numbers_page(visit: Visit) -> Response:
    """Import the uploaded CSV in one transaction: every row, or none and each bad line with its reason."""
    upload = visit.form.get("file") if visit.form is not None else None
    if not isinstance(upload, UploadFile) or not upload.filename:
        return await _pool(visit, {"upload_error": message_of(MissingParameter("file"))}, status=400)
    rt, actor = visit.runtime, visit.actor()

    def load(conn: Connection) -> int:
        text = io.TextIOWrapper(_binary(upload), encoding="utf-8-sig", newline="")
        return pool.import_numbers(conn, rt.clock.now(), pool.csv_rows(text), actor=actor)

    try:
        # In a thread even on SQLite: a large file must not hold up the event loop while it is checked.
        imported = await anyio.to_thread.run_sync(rt.db.transact, load)
    except pool.ImportRejected as rejected:
        return await _pool(visit, {"upload_error": rejected.message, "filename": upload.filename,
                                   "problems": rejected.problems[:PROBLEMS_SHOWN],
                                   "problems_left": max(0, len(rejected.problems) - PROBLEMS_SHOWN)},
                           status=rejected.status)
    except BadRequest as error:
        return await _pool(visit, {"upload_error": message_of(error), "filename": upload.filename},
                           status=error.status)
    visit.flash(f"Imported {imported} number(s) from {upload.filename} into the pool.")
    return visit.redirect("/operator/pool")


def _binary(upload: UploadFile) -> IO[bytes]:
    upload.file.seek(0)
    return upload.file


ROUTES = [
    Route("/operator/pool", get_pool_stats_page, methods=GET),
    Route("/operator/pool/imports", import_numbers_page, methods=POST),
]
