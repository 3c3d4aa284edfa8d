"""The sandbox panel, in sandbox mode only: the request journal, fault rules, the clock and reset,
what a test author otherwise does with curl against /_sandbox. It acts through pages.Shared's
SandboxControls, never the sandbox itself."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from exopool.errors import InvalidParameter, NotFound
from exopool.http.requests import parse_int
from exopool.web.controls import SandboxControls
from exopool.web.errors import field_errors, message_of
from exopool.web.visit import Visit, page

SHOWN = 50
UNITS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}
ACTIONS = ("error", "latency", "drop")
METHODS = ("*", "GET", "POST", "PUT", "DELETE")
WHOLE = ("status", "retry_after", "latency_ms", "count", "seed")  # fault fields that are whole numbers
FRACTION = ("probability",)
TEXT = ("method", "path", "account", "message")


def controls_of(visit: Visit) -> SandboxControls:
    sandbox = visit.shared.sandbox
    if sandbox is None:  # the routes exist only in sandbox mode; this is for a page mounted by mistake
        raise NotFound("The sandbox panel exists in sandbox mode only")
    return sandbox


@page()
async def sandbox_page(visit: Visit) -> Response:
    """The journal (filtered by path, status and API key), the fault rules, the clock, and reset."""
    filters = {name: visit.request.query_params.get(name, "").strip() for name in ("path", "status", "api_key")}
    return _panel(visit, filters)


def _panel(visit: Visit, filters: dict[str, str], errors: dict[str, str] | None = None,
           fault: dict[str, str] | None = None, status: int = 200) -> Response:
    """The panel; after a refused form, with the form as it was sent and the reason beside its field."""
    sandbox = controls_of(visit)
    try:
        wanted = parse_int("status", filters.get("status"), 0, 100, 599) or None
    except InvalidParameter as error:
        errors, wanted, status = {**(errors or {}), "journal_status": message_of(error)}, None, error.status
    path = filters.get("path")
    entries = sandbox.requests(path=_glob(path) if path else None, status=wanted,
                               api_key=filters.get("api_key") or None, limit=SHOWN)
    return visit.render("sandbox.html", {
        "nav": "sandbox", "filters": filters, "entries": list(reversed(entries)), "shown": SHOWN,
        "rules": sandbox.fault_rules(), "now": sandbox.now(), "advanced": sandbox.advanced_seconds(),
        "units": UNITS, "actions": ACTIONS, "methods": METHODS, "errors": errors or {}, "fault": fault or {},
    }, status=status)


def _glob(path: str) -> str:
    """A path as the journal matches it: a glob as typed, or, without wildcards, any path containing it."""
    return path if "*" in path or "?" in path else f"*{path}*"


@page()
async def add_fault_page(visit: Visit) -> Response:
    typed = {name: visit.field(name) for name in ("action", *TEXT, *WHOLE, *FRACTION)}
    try:
        rule = controls_of(visit).add_fault(_fault_spec(typed))
    except InvalidParameter as error:
        return _panel(visit, {}, field_errors(error), typed, error.status)
    visit.flash(f"Fault rule {rule['id']} added: {rule['action']} on {rule['method']} {rule['path']}.")
    return visit.redirect("/sandbox#faults")


def _fault_spec(typed: dict[str, str]) -> dict[str, Any]:
    """The control plane's fields from the form's text: empty fields left out, numbers as numbers."""
    spec: dict[str, Any] = {name: value for name, value in typed.items() if value and name not in (*WHOLE, *FRACTION)}
    for name in WHOLE:
        if typed[name]:
            spec[name] = _number(name, typed[name], int)
    for name in FRACTION:
        if typed[name]:
            spec[name] = _number(name, typed[name], float)
    return spec


def _number(name: str, text: str, kind: type[int] | type[float]) -> int | float:
    try:
        return kind(text)
    except ValueError:
        whole = "a whole number" if kind is int else "a number"
        raise InvalidParameter(name, f"must be {whole}, not {text!r}") from None


@page()
async def delete_fault_page(visit: Visit) -> Response:
    raw = visit.request.path_params["rule_id"]
    if not raw.isdigit() or not controls_of(visit).delete_fault(int(raw)):
        raise NotFound(f"No fault rule {raw}")
    visit.flash(f"Fault rule {raw} removed.")
    return visit.redirect("/sandbox#faults")


@page()
async def advance_clock_page(visit: Visit) -> Response:
    unit = visit.field("unit")
    try:
        if unit not in UNITS:
            raise InvalidParameter("unit", f"must be one of {', '.join(UNITS)}, not {unit!r}")
        amount = parse_int("amount", visit.field("amount"), 0, 1, 10**9)
        if not amount:
            raise InvalidParameter("amount", "is required")
    except InvalidParameter as error:
        return _panel(visit, {}, field_errors(error), {}, error.status)
    await controls_of(visit).advance(amount * UNITS[unit])
    # Sessions age on the sandbox's clock: the one that moved it starts afresh rather than finding itself
    # logged out (other sessions end as their age passes, as they would have in that much time).
    assert visit.user is not None
    visit.start_session(visit.user)
    visit.flash(f"The clock moved {amount} {unit} forward; what became due has happened.")
    return visit.redirect("/sandbox#clock")


@page()
async def reset_sandbox_page(visit: Visit) -> Response:
    await controls_of(visit).reset()
    visit.flash("The sandbox is back to its seed: data, journal, fault rules and release timing.")
    return visit.redirect("/sandbox")


GET, POST = ["GET"], ["POST"]
ROUTES = [
    Route("/sandbox", sandbox_page, methods=GET),
    Route("/sandbox/faults", add_fault_page, methods=POST),
    Route("/sandbox/faults/{rule_id}/delete", delete_fault_page, methods=POST),
    Route("/sandbox/clock", advance_clock_page, methods=POST),
    Route("/sandbox/reset", reset_sandbox_page, methods=POST),
]
