"""The operator's pages about accounts: the list with numbers held, create, suspend and resume (each
after a confirmation), and an account's API keys (issue one, shown once; revoke one)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection
from starlette.responses import Response
from starlette.routing import Route

from exopool.config import CLUSTERS
from exopool.errors import ApiKeyNotFound, Conflict, InvalidParameter, MissingParameter, RouteNotFound
from exopool.services import accounts, api_keys
from exopool.web.errors import field_errors
from exopool.web.pages import BOTH, GET, OPERATOR_HOME, POST
from exopool.web.visit import OPERATOR, Visit, page

ACCOUNTS_SHOWN = 50
# The two status changes an operator makes, by the word in their path: the status set, and what the page says.
STATUS_CHANGES = {
    "suspend": ("suspended", "suspended: its API keys get 403 and its users cannot log in"),
    "resume": ("active", "active again: its API keys and users work from their next request"),
}


@page(who=OPERATOR)
async def list_accounts_page(visit: Visit) -> Response:
    """Accounts in sid order, ACCOUNTS_SHOWN to a page, each with how many numbers it holds."""
    return await _accounts(visit, {})


async def _accounts(visit: Visit, values: dict[str, str], errors: dict[str, str] | None = None,
                    status: int = 200) -> Response:
    after = visit.request.query_params.get("after") or None
    found = await visit.run(lambda conn: accounts.accounts_page(conn, after=after, limit=ACCOUNTS_SHOWN + 1))
    shown = found[:ACCOUNTS_SHOWN]
    return visit.render("operator/accounts.html", {
        "accounts": shown, "next_after": shown[-1].sid if len(found) > ACCOUNTS_SHOWN else None, "after": after,
        "clusters": CLUSTERS, "values": values, "errors": errors or {}, "nav": "accounts",
    }, status=status)


@page(who=OPERATOR)
async def create_account_page(visit: Visit) -> Response:
    """Create an account; a bad field shows the form again with the reason beside it."""
    rt = visit.runtime
    values = {name: visit.field(name) for name in ("sid", "name", "cluster", "country")}
    values["country"] = values["country"].upper() or "IN"

    def create(conn: Connection) -> Any:
        for name in ("sid", "name", "cluster"):
            if not values[name]:
                raise MissingParameter(name)
        return accounts.create_account(conn, rt.clock, values["sid"], values["name"], values["cluster"],
                                       values["country"], visit.actor())

    try:
        made = await visit.run(create)
    except (InvalidParameter, MissingParameter) as error:
        return await _accounts(visit, values, field_errors(error), error.status)
    except Conflict as error:
        return await _accounts(visit, values, {"sid": error.message}, error.status)
    visit.flash(f"Created account {made.sid}. Issue it an API key below.")
    return visit.redirect(f"/operator/accounts/{made.sid}")


@page(who=OPERATOR)
async def get_account_page(visit: Visit) -> Response:
    """One account: its facts, numbers held, status, and API keys; a key just issued, once."""
    sid = visit.request.path_params["sid"]
    return await _account(visit, sid)


async def _account(visit: Visit, sid: str, errors: dict[str, str] | None = None, label: str = "",
                   status: int = 200) -> Response:
    def load(conn: Connection) -> tuple[Any, list[Any]]:
        account = accounts.account_with_counts(conn, sid)
        return account, api_keys.list_api_keys(conn, account.id)

    account, keys = await visit.run(load)
    issued = visit.take_once()
    return visit.render("operator/account.html", {
        "account": account, "keys": list(reversed(keys)), "issued": issued if status == 200 else None,
        "errors": errors or {}, "label": label, "nav": "accounts",
    }, status=status)


@page(who=OPERATOR)
async def update_account_status_page(visit: Visit) -> Response:
    """GET: ask for confirmation. POST: suspend or resume the account."""
    sid, change = visit.request.path_params["sid"], visit.request.path_params["change"]
    if change not in STATUS_CHANGES:
        raise RouteNotFound(visit.request.url.path)
    target, outcome = STATUS_CHANGES[change]
    account = await visit.run(accounts.account_with_counts, sid)
    if visit.request.method == "GET":
        return visit.render("operator/account_status.html", {"account": account, "change": change,
                                                              "nav": "accounts"})
    rt = visit.runtime
    await visit.run(lambda conn: accounts.update_account(conn, rt.clock, visit.actor(), sid, status=target))
    visit.flash(f"Account {sid} is {outcome}.")
    return visit.redirect(f"/operator/accounts/{sid}")


@page(who=OPERATOR)
async def create_api_key_page(visit: Visit) -> Response:
    """Issue a key to the account; its page shows the token once, and a reload never again."""
    rt, sid, label = visit.runtime, visit.request.path_params["sid"], visit.field("label")
    try:
        issued = await visit.run(lambda conn: api_keys.create_api_key(conn, rt.clock, rt.settings.secret_key, sid,
                                                                      label, visit.actor()))
    except InvalidParameter as error:
        return await _account(visit, sid, field_errors(error), label, error.status)
    visit.keep_once({"key": issued.key, "token": issued.token, "label": issued.label})
    return visit.redirect(f"/operator/accounts/{sid}")


@page(who=OPERATOR)
async def revoke_api_key_page(visit: Visit) -> Response:
    """GET: ask for confirmation. POST: revoke the key; it fails from the next request on."""
    sid, key, clock = visit.request.path_params["sid"], visit.request.path_params["key"], visit.runtime.clock

    def find(conn: Connection) -> tuple[Any, Any]:
        account = accounts.get_account(conn, sid)
        found = next((k for k in api_keys.list_api_keys(conn, account.id) if k.key == key and k.revoked_at is None),
                     None)
        if found is None:
            raise ApiKeyNotFound(key)
        return account, found

    account, found = await visit.run(find)
    if visit.request.method == "GET":
        return visit.render("operator/revoke_key.html", {"account": account, "key": found, "nav": "accounts"})
    await visit.run(lambda conn: api_keys.revoke_api_key(conn, clock, key, visit.actor(), account_id=account.id))
    visit.flash(f"API key {key} of {sid} is revoked: requests with it now fail.")
    return visit.redirect(f"/operator/accounts/{sid}")


ROUTES = [
    Route(OPERATOR_HOME, list_accounts_page, methods=GET),
    Route(OPERATOR_HOME, create_account_page, methods=POST),
    Route("/operator/accounts/{sid}", get_account_page, methods=GET),
    Route("/operator/accounts/{sid}/keys", create_api_key_page, methods=POST),
    Route("/operator/accounts/{sid}/keys/{key}/revoke", revoke_api_key_page, methods=BOTH),
    Route("/operator/accounts/{sid}/{change}", update_account_status_page, methods=BOTH),
]
