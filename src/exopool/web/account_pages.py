"""Dashboard pages about the account: log in and out, API settings and keys, events."""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from exopool.config import CLUSTER_HOSTS
from exopool.errors import ApiKeyNotFound, ExopoolError, InvalidParameter, LoginFailed, RateLimited, TooManyLogins
from exopool.services.api_keys import create_api_key, list_api_keys, revoke_api_key
from exopool.services.events import list_events
from exopool.services.logins import log_in
from exopool.services.users import log_out
from exopool.web.errors import field_errors
from exopool.web.gate import LoginGate
from exopool.web.labels import event_label
from exopool.web.pages import BASE, BOTH, GET, POST
from exopool.web.visit import ANYONE, Visit, page

EVENTS_SHOWN = 100


@page(login=False)
async def log_in_page(visit: Visit) -> Response:
    """GET: the form. POST: check the password; a wrong one waits a moment and says nothing specific."""
    target = _safe_next(visit.request.query_params.get("next") or visit.field("next"))
    if visit.request.method == "GET":
        if visit.signed_in is not None:
            return RedirectResponse(target or f"{BASE}{visit.home}", status_code=303)
        return visit.render("login.html", {"next": target})
    rt, gate = visit.runtime, gate_of(visit)
    email, password = visit.field("email"), _raw(visit, "password")
    try:
        gate.admit(visit.request.client.host if visit.request.client else "")
        result = await gate.check(lambda: log_in(rt.db, rt.clock, rt.settings.secret_key, email, password))
    except RateLimited as refused:
        return _refused(visit, target, refused)
    if result.user is not None:
        visit.start_session(result.user)
        return RedirectResponse(target or f"{BASE}{visit.home}", status_code=303)
    await asyncio.sleep(rt.settings.login_failure_delay_s)
    wait = result.retry_after_s
    if wait:
        return _refused(visit, target, TooManyLogins(f"Too many failed logins: try again in {wait} seconds.",
                                                     retry_after_s=wait))
    return _refused(visit, target, LoginFailed("The email or password is not right."))


def _refused(visit: Visit, target: str | None, error: ExopoolError) -> Response:
    """The form again, saying why; a new CSRF token, so a script must read each answer to try again."""
    visit.renew_csrf()
    response = visit.render("login.html", {"next": target, "error": error.message, "email": visit.field("email")},
                            status=error.status)
    response.headers.update(error.headers)
    return response


def gate_of(visit: Visit) -> LoginGate:
    gate: LoginGate = visit.request.app.state.login_gate
    return gate


def _raw(visit: Visit, name: str) -> str:
    value = visit.form.get(name) if visit.form is not None else None
    return value if isinstance(value, str) else ""


def _safe_next(target: str | None) -> str | None:
    """Only a path of the dashboard itself, so the login form cannot send anyone elsewhere; None for the
    first page of whoever logs in."""
    if target and target.startswith(f"{BASE}/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


@page(who=ANYONE)
async def log_out_page(visit: Visit) -> Response:
    assert visit.signed_in is not None
    await visit.run(log_out, visit.runtime.clock, visit.signed_in.id)
    visit.end_session()
    visit.flash("You have logged out.")
    return visit.redirect("/login")


@page()
async def api_settings_page(visit: Visit) -> Response:
    assert visit.user is not None
    keys = await visit.run(list_api_keys, visit.user.account_id)
    context = _settings_context(visit, keys)
    issued = visit.take_once()
    if issued is not None:
        context.update(issued=issued, curl=_curl(visit, issued["key"], issued["token"]))
    return visit.render("api_settings.html", context)


@page()
async def create_api_key_page(visit: Visit) -> Response:
    """Create a key; the settings page it leads to shows the token once, and a reload never again."""
    assert visit.user is not None
    rt, sid, label = visit.runtime, visit.user.account_sid, visit.field("label")
    try:
        issued = await visit.run(lambda conn: create_api_key(conn, rt.clock, rt.settings.secret_key, sid, label,
                                                             visit.actor()))
    except InvalidParameter as error:
        keys = await visit.run(list_api_keys, visit.user.account_id)
        context = {**_settings_context(visit, keys), "errors": field_errors(error), "label": label}
        return visit.render("api_settings.html", context, status=error.status)
    visit.keep_once({"key": issued.key, "token": issued.token, "label": issued.label})
    return visit.redirect("/api-settings")


@page()
async def revoke_api_key_page(visit: Visit) -> Response:
    """GET: ask for confirmation. POST: revoke; the key fails from the next request on."""
    assert visit.user is not None
    user, key = visit.user, visit.request.path_params["key"]
    if visit.request.method == "GET":
        keys = await visit.run(list_api_keys, user.account_id)
        found = next((k for k in keys if k.key == key and k.revoked_at is None), None)
        if found is None:
            raise ApiKeyNotFound(key)
        return visit.render("revoke_key.html", {"key": found})
    await visit.run(lambda conn: revoke_api_key(conn, visit.runtime.clock, key, visit.actor(),
                                                account_id=user.account_id))
    visit.flash(f"API key {key} is revoked: requests with it now fail.")
    return visit.redirect("/api-settings")


def _settings_context(visit: Visit, keys: list[Any]) -> dict[str, Any]:
    assert visit.user is not None
    return {"keys": list(reversed(keys)), "api_host": CLUSTER_HOSTS[visit.user.cluster],
            "curl_example": _curl(visit, "<API key>", "<API token>"), "nav": "api"}


def _curl(visit: Visit, key: str, token: str) -> str:
    """A command that works against this server as it is reached now, for the account's cluster."""
    assert visit.user is not None
    host = visit.request.headers.get("host") or visit.request.url.netloc
    cluster = visit.user.cluster
    header = "" if visit.runtime.settings.cluster_for_host(host) == cluster else f" -H 'Host: {CLUSTER_HOSTS[cluster]}'"
    url = f"{visit.request.url.scheme}://{host}/v2_beta/Accounts/{visit.user.account_sid}/IncomingPhoneNumbers.json"
    return f"curl{header} -u '{key}:{token}' {url}"


@page()
async def events_page(visit: Visit) -> Response:
    assert visit.user is not None
    account_id = visit.user.account_id
    rows = await visit.run(lambda conn: list_events(conn, account_id=account_id, limit=EVENTS_SHOWN))
    return visit.render("events.html", {"events": rows, "event_label": event_label, "nav": "events"})


ROUTES = [
    Route("/login", log_in_page, methods=BOTH),
    Route("/logout", log_out_page, methods=POST),
    Route("/api-settings", api_settings_page, methods=GET),
    Route("/api-settings/keys", create_api_key_page, methods=POST),
    Route("/api-settings/keys/{key}/revoke", revoke_api_key_page, methods=BOTH),
    Route("/events", events_page, methods=GET),
]
