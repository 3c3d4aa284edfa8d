"""The pool, the inventory, the release queue and the event log through the admin API, on both engines."""

from __future__ import annotations

import json
import threading

import httpx
from sqlalchemy import func, select

from exopool.clock import ManualClock
from exopool.db import Database
from exopool.models import Event, PhoneNumber
from exopool.services.releases import claim_release, fail_release
from tests.admin.support import assert_problem
from tests.conftest import Persona
from tests.support import IN_LANDLINE, IN_MOBILE, bought_sid, numbers_path

HEADER = "phone_number,cluster,type,region\n"
GOOD = [f"+9180400{n:05d},in,landline,KA\n" for n in range(40)]
CSV = {"Content-Type": "text/csv"}


def pool_size(db: Database) -> int:
    with db.begin() as conn:
        return int(conn.execute(select(func.count()).select_from(PhoneNumber)).scalar_one())


def test_a_csv_imports_every_row_and_is_recorded(admin: httpx.Client, db: Database, pool: int) -> None:
    answer = admin.post("/pool/imports", content=(HEADER + "".join(GOOD)).encode(), headers=CSV)
    assert answer.status_code == 201, answer.text
    assert answer.json() == {"imported": 40}
    assert pool_size(db) == pool + 40
    with db.begin() as conn:
        recorded = conn.execute(select(Event.actor, Event.data).where(Event.kind == "pool.imported")).all()
    assert [tuple(row) for row in recorded] == [("operator:ops", {"imported": 40})]


def test_a_csv_with_one_bad_row_imports_nothing_and_names_every_bad_line(
    admin: httpx.Client, db: Database, pool: int,
) -> None:
    rows = [*GOOD[:20], "+91804,in,landline,KA\n", *GOOD[20:], GOOD[0]]
    answer = admin.post("/pool/imports", content=(HEADER + "".join(rows)).encode(), headers=CSV)
    body = assert_problem(answer, 422, "import-rejected")
    assert [error["line"] for error in body["errors"]] == [22, 43]
    assert "repeats line 2" in body["errors"][1]["detail"]
    assert pool_size(db) == pool


def test_an_import_that_is_not_a_csv_is_refused_whole(admin: httpx.Client, db: Database, pool: int) -> None:
    assert_problem(admin.post("/pool/imports", content=b"x", headers={"Content-Type": "application/json"}),
                   415, "unsupported-media-type")
    assert "unknown column" in assert_problem(
        admin.post("/pool/imports", content=b"number,colour\n1,red\n", headers=CSV), 400, "invalid-field")["detail"]
    assert_problem(admin.post("/pool/imports", content=HEADER.encode() + b"\xff\xfe,in\n", headers=CSV),
                   400, "bad-request")
    assert pool_size(db) == pool


def test_an_import_without_an_operator_token_reads_no_body(admin: httpx.Client, alice: Persona, db: Database,
                                                           pool: int) -> None:
    refused = httpx.post(str(admin.base_url.join("pool/imports")), content=(HEADER + "".join(GOOD)).encode(),
                         headers=CSV, auth=alice.auth)
    assert_problem(refused, 401, "unauthorized")
    assert pool_size(db) == pool


def test_pool_stats_count_by_cluster_state_and_type_and_by_region(
    admin: httpx.Client, http: httpx.Client, alice: Persona, pool: int,
) -> None:
    bought_sid(http, alice)
    stats = admin.get("/pool/stats").json()
    assert stats["total"] == pool == sum(row["count"] for row in stats["data"])
    active = [row for row in stats["data"] if row["state"] == "active"]
    assert active == [{"cluster": "in", "state": "active", "type": "Landline", "count": 1}]
    by_region = admin.get("/pool/stats", params={"by": "region"}).json()
    assert by_region["total"] == pool and all("region" in row for row in by_region["data"])
    assert next(r for r in by_region["data"] if r["state"] == "active")["region"] == "KA"
    assert_problem(admin.get("/pool/stats", params={"by": "colour"}), 400, "invalid-field")


def test_numbers_filter_and_page_and_one_number_shows_its_whole_history(
    admin: httpx.Client, http: httpx.Client, alice: Persona, pool: int,
) -> None:
    sid = bought_sid(http, alice)
    held = admin.get("/numbers", params={"account": "alice", "state": "active"}).json()
    assert [(n["phone_number"], n["sid"], n["account_sid"]) for n in held["data"]] == [(IN_LANDLINE, sid, "alice")]
    assert held["next_cursor"] is None
    found = admin.get("/numbers", params={"contains": IN_MOBILE[3:]}).json()["data"]
    assert [n["phone_number"] for n in found] == [IN_MOBILE]
    seen, cursor = [], None
    while True:
        page = admin.get("/numbers", params={"limit": 7, **({"cursor": cursor} if cursor else {})}).json()
        seen += [n["phone_number"] for n in page["data"]]
        if not (cursor := page["next_cursor"]):
            break
    assert seen == sorted(seen) and len(seen) == len(set(seen)) == pool
    assert http.delete(f"{numbers_path(alice)}/{sid}", auth=alice.auth).status_code == 202
    shown = admin.get(f"/numbers/{sid}").json()
    assert shown["phone_number"] == IN_LANDLINE and shown["state"] == "releasing"
    assert [entry["kind"] for entry in shown["history"]][:2] == ["number.purchased", "number.release_accepted"]
    assert shown["history"][0]["actor"] == f"key:{alice.key}"
    assert admin.get(f"/numbers/{IN_LANDLINE}").json()["sid"] == sid
    assert_problem(admin.get("/numbers/+919999999999"), 404, "not-found")
    assert_problem(admin.get("/numbers", params={"state": "lost"}), 400, "invalid-field")
    assert_problem(admin.get("/numbers", params={"contains": "12a"}), 400, "invalid-field")


def test_a_failed_release_is_listed_and_retried_once(
    admin: httpx.Client, http: httpx.Client, alice: Persona, db: Database, clock: ManualClock,
) -> None:
    sid = bought_sid(http, alice)
    assert http.delete(f"{numbers_path(alice)}/{sid}", auth=alice.auth).status_code == 202
    queued = admin.get("/releases", params={"state": "queued"}).json()["data"]
    assert [(r["sid"], r["state"]) for r in queued] == [(sid, "queued")]
    assert_problem(admin.post(f"/releases/{sid}/retry"), 409, "illegal-transition")
    db.transact(lambda conn: fail_release(conn, clock.now(), claim_release(conn, clock.now(), sid, "w1", 30),
                                          "carrier refused"))
    failed = admin.get("/releases", params={"state": "failed"}).json()["data"]
    assert [(r["sid"], r["last_error"]) for r in failed] == [(sid, "carrier refused")]
    retried = admin.post(f"/releases/{sid}/retry")
    assert retried.status_code == 200 and retried.json()["state"] == "queued" and retried.json()["attempts"] == 0
    assert_problem(admin.post(f"/releases/{sid}/retry"), 409, "illegal-transition")
    assert_problem(admin.post(f"/releases/{'0' * 32}/retry"), 404, "release-not-found")
    with db.begin() as conn:
        actors = conn.execute(select(Event.actor).where(Event.kind == "release.retried")).scalars().all()
    assert actors == ["operator:ops"]


def all_event_ids(db: Database, after: int = 0) -> list[int]:
    with db.begin() as conn:
        return list(conn.execute(select(Event.id).where(Event.id > after).order_by(Event.id)).scalars())


def test_events_come_oldest_first_filtered_and_stream_as_ndjson(
    admin: httpx.Client, http: httpx.Client, alice: Persona, bob: Persona, db: Database,
) -> None:
    bought_sid(http, alice)
    bought_sid(http, bob, IN_MOBILE)
    everything = admin.get("/events", params={"limit": 1000}).json()
    assert [e["id"] for e in everything["data"]] == all_event_ids(db)
    alices = admin.get("/events", params={"account": "alice", "kind": "number.purchased"}).json()["data"]
    assert [(e["account_sid"], e["phone_number"]) for e in alices] == [("alice", IN_LANDLINE)]
    first = admin.get("/events", params={"limit": 1}).json()
    assert first["next_cursor"] == str(first["data"][0]["id"])
    streamed = admin.get("/events", params={"cursor": first["next_cursor"]},
                         headers={"Accept": "application/x-ndjson"})
    assert streamed.headers["content-type"].startswith("application/x-ndjson")
    assert [json.loads(line)["id"] for line in streamed.text.splitlines()] == all_event_ids(db)[1:]
    assert admin.get("/events", params={"since": "2999-01-01T00:00:00Z"}).json() == {"data": [], "next_cursor": None}
    assert_problem(admin.get("/events", params={"cursor": "x"}), 400, "invalid-field")
    assert_problem(admin.get("/events", params={"since": "yesterday"}), 400, "invalid-field")
    assert_problem(admin.get("/events", params={"account": "nobody"}), 404, "account-not-found")


def test_events_resumed_from_a_cursor_miss_none_and_repeat_none_while_writes_go_on(
    admin: httpx.Client, http: httpx.Client, alice: Persona, db: Database,
) -> None:
    start = max(all_event_ids(db), default=0)
    numbers = [n["phone_number"] for n in http.get(
        "/v2_beta/Accounts/alice/AvailablePhoneNumbers/IN/Landline", params={"PageSize": 24},
        auth=alice.auth).json()]

    def write(mine: list[str]) -> None:
        with httpx.Client(base_url=str(http.base_url), headers={"Host": "api.in.exotel.com"}, timeout=30) as own:
            for number in mine:
                sid = bought_sid(own, alice, number)
                own.delete(f"{numbers_path(alice)}/{sid}", auth=alice.auth)

    writers = [threading.Thread(target=write, args=(numbers[i::4],)) for i in range(4)]
    for writer in writers:
        writer.start()
    seen: list[int] = []
    cursor = str(start)
    while True:
        alive = any(writer.is_alive() for writer in writers)  # read before the page: one more read after the end
        page = admin.get("/events", params={"limit": 5, "cursor": cursor}).json()
        seen += [event["id"] for event in page["data"]]
        cursor = str(seen[-1]) if seen else cursor
        if not alive and page["next_cursor"] is None:
            break
    for writer in writers:
        writer.join()
    assert len(numbers) == 24
    assert seen == all_event_ids(db, start)
    assert len(seen) == len(set(seen)) >= 24 * 2
