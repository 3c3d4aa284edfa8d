"""What many wire tests share: paths, a purchase, and the full check of an error body."""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from http import HTTPStatus
from typing import Any, TypeVar

import httpx
from sqlalchemy import select, text

from exopool.db import Database
from exopool.models import Account, ListingBucket, PhoneNumber
from exopool.services.listing import BUCKET, SLOTS
from tests.conftest import Persona

T = TypeVar("T")

IN_LANDLINE = "+918048332510"  # in the Mumbai cluster's demo pool (KA circle)
IN_MOBILE = "+919845001200"
SG_LANDLINE = "+911141110000"  # in the Singapore cluster's demo pool
REQUEST_ID = re.compile(r"^[0-9a-f]{32}$")


def account_path(persona: Persona) -> str:
    return f"/v2_beta/Accounts/{persona.sid}"


def numbers_path(persona: Persona) -> str:
    return f"{account_path(persona)}/IncomingPhoneNumbers"


def buy(http: httpx.Client, persona: Persona, number: str = IN_LANDLINE, **params: str) -> httpx.Response:
    return http.post(numbers_path(persona), data={"PhoneNumber": number, **params}, auth=persona.auth)


def bought_sid(http: httpx.Client, persona: Persona, number: str = IN_LANDLINE, **params: str) -> str:
    response = buy(http, persona, number, **params)
    assert response.status_code == 200, response.text
    return response.json()["sid"]


def assert_error(response: httpx.Response, status: int, code: int, method: str | None = None) -> dict:
    """Both of Exotel's error shapes, the request id matching the header, and a JSON content type."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    request_id = response.headers["x-request-id"]
    assert REQUEST_ID.match(request_id)
    message = body["RestException"]["Message"]
    assert isinstance(message, str) and message
    assert body == {
        "RestException": {"Status": status, "Message": message, "Code": code},
        "request_id": request_id,
        "method": method or response.request.method,
        "http_code": status,
        "response": {
            "code": status, "status": "failure", "data": None,
            "error_data": {"code": code, "message": body["response"]["error_data"]["message"],
                           "description": message},
        },
    }
    assert body["response"]["error_data"]["message"] == HTTPStatus(status).phrase
    return body


def assert_buckets_match_a_recount(db: Database) -> None:
    """Every account's bucket counts equal a count of the numbers it holds, whose ordinals are its own."""
    with db.begin() as conn:
        numbers = select(PhoneNumber.account_id, PhoneNumber.ordinal)
        held = conn.execute(numbers.where(PhoneNumber.state == "active")).all()
        stored = conn.execute(select(ListingBucket.account_id, ListingBucket.bucket, ListingBucket.slot,
                                     ListingBucket.active)).all()
        if conn.dialect.name == "postgresql":  # one sequence gives every account's ordinals
            taken = conn.execute(text("SELECT last_value FROM listing_ordinals")).scalar_one()
            next_ordinal = dict.fromkeys({row.account_id for row in held}, taken + 1)
        else:
            next_ordinal = {row.id: row.next_ordinal for row in conn.execute(select(Account.id, Account.next_ordinal))}
    assert all(row.active >= 0 for row in stored), stored
    recount = Counter((row.account_id, row.ordinal // BUCKET, row.ordinal % SLOTS) for row in held)
    assert {(row.account_id, row.bucket, row.slot): row.active for row in stored if row.active} == dict(recount)
    assert len({(row.account_id, row.ordinal) for row in held}) == len(held), "an ordinal is held twice"
    assert all(row.ordinal < next_ordinal[row.account_id] for row in held)


def run_async(coroutine: Coroutine[Any, Any, T]) -> T:
    """asyncio.run on a thread of its own: a browser test earlier in the same process leaves Playwright's
    event loop running on the main thread, where asyncio.run refuses to start another."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="run-async") as pool:
        return pool.submit(asyncio.run, coroutine).result()
