"""The operator's pages over real HTTP: who may open them, CSRF, escaping, errors with their reasons, and
that each action does what the admin API's does, recorded as the operator user's."""

from __future__ import annotations

import csv
import io
import json
import re
import threading
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select

from exopool.clock import ManualClock
from exopool.db import Database
from exopool.models import Account, Event, PhoneNumber
from exopool.services.api_keys import list_api_keys
from exopool.services.events import record_event
from exopool.services.phone_numbers import purchase_phone_number, release_phone_number
from exopool.services.releases import claim_release, fail_release, get_release
from exopool.web.log_pages import EXPORT_BATCH
from tests.conftest import Persona
from tests.web.conftest import OPERATOR_EMAIL, PASSWORD, DashboardUser, csrf_of, field_error, log_in, post_form

ACTOR = f"user:{OPERATOR_EMAIL}"
NUMBERS = "/v2_beta/Accounts/{sid}/IncomingPhoneNumbers"
IN_LANDLINE = "+918048332520"
GOOD_CSV = "phone_number,cluster,type,region\n+918040001001,in,landline,KA\n+918040001002,in,landline,KA\n"
BAD_CSV = ("phone_number,cluster,type,region\n+918040001001,in,landline,KA\n+91804,in,landline,KA\n"
           "+918040001003,mars,landline,KA\n+918040001001,in,landline,KA\n")


@pytest.fixture
def ops(web: httpx.Client, operator_user: str) -> httpx.Client:
    """The dashboard client, logged in as the operator."""
    response = log_in(web, operator_user, PASSWORD)
    assert response.status_code == 303 and response.headers["location"] == "/dashboard/operator/accounts"
    return web


def actors_of(db: Database, kind: str) -> list[str]:
    with db.begin() as conn:
        return list(conn.execute(select(Event.actor).where(Event.kind == kind).order_by(Event.id)).scalars())


def upload(client: httpx.Client, text: str | bytes, name: str = "numbers.csv") -> httpx.Response:
    token = csrf_of(client.get("/dashboard/operator/pool").text)
    return client.post("/dashboard/operator/pool/imports", data={"csrf_token": token},
                       files={"file": (name, text, "text/csv")})


def test_an_operator_logs_in_to_the_operator_pages_and_out_again(
    web: httpx.Client, operator_user: str, alice: Persona,
) -> None:
    log_in(web, operator_user, PASSWORD)
    page = web.get("/dashboard/operator/accounts")
    assert page.status_code == 200 and "<code>alice</code>" in page.text
    assert 'aria-label="Log out ops@example.com"' in page.text and ">operator</span>" in page.text
    for item in ("Accounts", "Pool", "Releases", "Event log"):
        assert f">{item}</a>" in page.text
    assert ">ExoPhones</a>" not in page.text
    assert web.get("/dashboard").headers["location"] == "/dashboard/operator/accounts"
    assert web.get("/dashboard/login").headers["location"] == "/dashboard/operator/accounts"
    out = post_form(web, "/dashboard/operator/accounts", "/dashboard/logout")
    assert out.status_code == 303 and web.get("/dashboard/operator/accounts").status_code == 303


def test_an_operator_gets_404_on_the_pages_of_an_account(ops: httpx.Client) -> None:
    for path in ("/dashboard/numbers", "/dashboard/api-settings", "/dashboard/events", "/dashboard/numbers/buy"):
        response = ops.get(path)
        assert response.status_code == 404 and "Not found" in response.text, path
        assert "Back to the accounts" in response.text
    created = post_form(ops, "/dashboard/operator/accounts", "/dashboard/api-settings/keys", label="x")
    assert created.status_code == 404


OPERATOR_PAGES = ["/dashboard/operator/accounts", "/dashboard/operator/accounts/alice",
                  "/dashboard/operator/accounts/alice/suspend", "/dashboard/operator/pool",
                  "/dashboard/operator/releases", "/dashboard/operator/events", "/dashboard/operator/events/export"]


def test_an_accounts_user_gets_404_on_every_operator_page_and_form(
    web: httpx.Client, alice_user: DashboardUser, db: Database,
) -> None:
    log_in(web, alice_user.email, alice_user.password)
    for path in OPERATOR_PAGES:
        response = web.get(path)
        assert response.status_code == 404 and "No resource at" in response.text, path
    for action, data in [("/dashboard/operator/accounts", {"sid": "evil", "name": "Evil", "cluster": "in"}),
                         ("/dashboard/operator/accounts/alice/suspend", {}),
                         ("/dashboard/operator/accounts/alice/keys", {"label": "backdoor"})]:
        assert post_form(web, "/dashboard/numbers", action, **data).status_code == 404, action
    refused = web.post("/dashboard/operator/pool/imports",
                       data={"csrf_token": csrf_of(web.get("/dashboard/numbers").text)},
                       files={"file": ("n.csv", GOOD_CSV, "text/csv")})
    assert refused.status_code == 404
    with db.begin() as conn:
        assert conn.execute(select(Account.sid).order_by(Account.sid)).scalars().all() == ["alice"]
        assert conn.execute(select(Account.status)).scalar() == "active"
        assert conn.execute(select(PhoneNumber.id).where(PhoneNumber.phone_number == "+918040001001")).first() is None
    assert [k.label for k in db.transact(list_api_keys, alice_user.persona.account_id)] == ["tests"]


def test_nobody_logged_in_is_sent_to_the_login_form_and_uploads_nothing(web: httpx.Client, db: Database) -> None:
    for path in OPERATOR_PAGES:
        assert web.get(path).headers["location"] == f"/dashboard/login?next={path}"
    refused = web.post("/dashboard/operator/pool/imports", files={"file": ("n.csv", GOOD_CSV, "text/csv")})
    assert refused.status_code == 303 and refused.headers["location"].startswith("/dashboard/login")


def test_every_operator_form_without_its_csrf_token_is_refused_and_changes_nothing(
    ops: httpx.Client, alice: Persona, db: Database, clock: ManualClock,
) -> None:
    sid = db.transact(purchase_phone_number, clock, alice.actor, IN_LANDLINE).sid
    db.transact(release_phone_number, clock, alice.actor, sid)
    db.transact(lambda conn: fail_release(conn, clock.now(), claim_release(conn, clock.now(), sid, "w1", 30), "no"))
    forms = [("/dashboard/operator/accounts", {"sid": "acme", "name": "Acme", "cluster": "in"}),
             ("/dashboard/operator/accounts/alice/suspend", {}),
             ("/dashboard/operator/accounts/alice/keys", {"label": "sneaky"}),
             (f"/dashboard/operator/accounts/alice/keys/{alice.key}/revoke", {}),
             (f"/dashboard/operator/releases/{sid}/retry", {})]
    for action, data in forms:
        for token in ({}, {"csrf_token": "forged"}):
            response = ops.post(action, data={**data, **token})
            assert response.status_code == 403 and "Nothing was changed" in response.text, action
    for token in ({}, {"csrf_token": "forged"}):
        response = ops.post("/dashboard/operator/pool/imports", data=token, files={"file": ("n.csv", GOOD_CSV)})
        assert response.status_code == 403
    with db.begin() as conn:
        assert conn.execute(select(Account.sid, Account.status)).all() == [("alice", "active")]
        assert conn.execute(select(PhoneNumber.id).where(PhoneNumber.phone_number == "+918040001001")).first() is None
    assert [(k.label, k.revoked_at) for k in db.transact(list_api_keys, alice.account_id)] == [("tests", None)]
    assert db.transact(get_release, sid).state == "failed"


def test_an_account_is_created_and_listed_with_its_numbers_held_as_the_operator_user(
    ops: httpx.Client, alice: Persona, db: Database, clock: ManualClock,
) -> None:
    db.transact(purchase_phone_number, clock, alice.actor, IN_LANDLINE)
    created = post_form(ops, "/dashboard/operator/accounts", "/dashboard/operator/accounts",
                        sid="acme", name="Acme Ltd", cluster="sg", country="sg")
    assert created.status_code == 303 and created.headers["location"] == "/dashboard/operator/accounts/acme"
    page = ops.get("/dashboard/operator/accounts/acme").text
    assert "Created account acme" in page and "Acme Ltd" in page and "sg · SG" in page
    listed = ops.get("/dashboard/operator/accounts").text
    rows = re.findall(r'<code>(\w+)</code></a></td>.*?data-label="Numbers held">(\d+)<', listed, re.S)
    assert rows == [("acme", "0"), ("alice", "1")]
    assert actors_of(db, "account.created") == [ACTOR]


@pytest.mark.parametrize(("fields", "field", "message", "status"), [
    ({"sid": "", "name": "Acme", "cluster": "in"}, "sid", "Account sid is required", 400),
    ({"sid": "a b", "name": "Acme", "cluster": "in"}, "sid", "Account sid 'a b' must be 1-64 letters", 400),
    ({"sid": "acme", "name": "Acme", "cluster": "mars"}, "cluster", "Cluster 'mars' is not one of", 400),
    ({"sid": "acme", "name": "x" * 201, "cluster": "in"}, "name", "Name must be at most 200 characters", 400),
    ({"sid": "alice", "name": "Again", "cluster": "in"}, "sid", "Account alice already exists", 409),
])
def test_a_bad_account_is_refused_beside_its_field_and_nothing_is_created(
    ops: httpx.Client, alice: Persona, db: Database, fields: dict[str, str], field: str, message: str, status: int,
) -> None:
    response = post_form(ops, "/dashboard/operator/accounts", "/dashboard/operator/accounts", **fields)
    assert response.status_code == status
    assert (field_error(response.text, field) or "").startswith(message)
    assert 'aria-invalid="true"' in response.text and f'value="{fields["name"]}"' in response.text
    with db.begin() as conn:
        assert conn.execute(select(Account.sid)).scalars().all() == ["alice"]


def test_names_and_labels_are_escaped_on_every_page_they_appear(ops: httpx.Client, db: Database) -> None:
    evil = "<script>alert(1)</script>"
    post_form(ops, "/dashboard/operator/accounts", "/dashboard/operator/accounts", sid="acme", name=evil, cluster="in")
    post_form(ops, "/dashboard/operator/accounts/acme", "/dashboard/operator/accounts/acme/keys", label=evil)
    for path in ("/dashboard/operator/accounts", "/dashboard/operator/accounts/acme",
                 "/dashboard/operator/accounts/acme/suspend"):
        page = ops.get(path).text
        assert evil not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page, path
    refused = post_form(ops, "/dashboard/operator/accounts", "/dashboard/operator/accounts",
                        sid=evil, name="x", cluster="in")
    assert evil not in refused.text and "&lt;script&gt;" in refused.text
    bad_file = upload(ops, f"phone_number,cluster,type,region\n{evil},in,landline,KA\n", name=evil)
    assert bad_file.status_code == 422 and evil not in bad_file.text


def test_suspend_and_resume_each_ask_first_then_the_accounts_key_is_refused_and_let_in_again(
    ops: httpx.Client, alice: Persona, http: httpx.Client, db: Database,
) -> None:
    numbers = NUMBERS.format(sid="alice")
    asked = ops.get("/dashboard/operator/accounts/alice/suspend")
    assert asked.status_code == 200 and "Suspend account alice?" in asked.text
    assert http.get(numbers, auth=alice.auth).status_code == 200  # asking changed nothing
    done = post_form(ops, "/dashboard/operator/accounts/alice/suspend", "/dashboard/operator/accounts/alice/suspend")
    assert done.status_code == 303 and "Account alice is suspended" in ops.get(done.headers["location"]).text
    refused = http.get(numbers, auth=alice.auth)
    assert refused.status_code == 403 and "suspended" in refused.text
    assert "Resume account alice?" in ops.get("/dashboard/operator/accounts/alice/resume").text
    post_form(ops, "/dashboard/operator/accounts/alice/resume", "/dashboard/operator/accounts/alice/resume")
    assert http.get(numbers, auth=alice.auth).status_code == 200
    assert actors_of(db, "account.suspended") == actors_of(db, "account.resumed") == [ACTOR]
    assert ops.get("/dashboard/operator/accounts/alice/delete").status_code == 404
    assert ops.get("/dashboard/operator/accounts/nobody/suspend").status_code == 404


def test_a_suspended_accounts_user_is_logged_out_and_cannot_log_in(
    ops: httpx.Client, alice_user: DashboardUser,
) -> None:
    with httpx.Client(base_url=str(ops.base_url), timeout=10) as alice_web:
        log_in(alice_web, alice_user.email, alice_user.password)
        assert alice_web.get("/dashboard/numbers").status_code == 200
        post_form(ops, "/dashboard/operator/accounts/alice/suspend", "/dashboard/operator/accounts/alice/suspend")
        assert alice_web.get("/dashboard/numbers").status_code == 303
        assert log_in(alice_web, alice_user.email, alice_user.password).status_code == 401


def test_a_key_is_issued_shown_once_works_and_is_revoked_after_a_confirmation(
    ops: httpx.Client, alice: Persona, http: httpx.Client, db: Database,
) -> None:
    issued = post_form(ops, "/dashboard/operator/accounts/alice", "/dashboard/operator/accounts/alice/keys",
                       label="production")
    assert issued.status_code == 303
    page = ops.get("/dashboard/operator/accounts/alice").text
    key = re.search(r'id="new-key">([0-9a-f]+)<', page).group(1)  # type: ignore[union-attr]
    token = re.search(r'id="new-token">([0-9a-f]+)<', page).group(1)  # type: ignore[union-attr]
    assert token not in issued.headers["set-cookie"] and "shown only this once" in page
    assert token not in ops.get("/dashboard/operator/accounts/alice").text  # a reload never shows it again
    assert http.get(NUMBERS.format(sid="alice"), auth=(key, token)).status_code == 200
    asked = ops.get(f"/dashboard/operator/accounts/alice/keys/{key}/revoke")
    assert asked.status_code == 200 and "will stop working at once" in asked.text
    assert http.get(NUMBERS.format(sid="alice"), auth=(key, token)).status_code == 200
    revoked = post_form(ops, "/dashboard/operator/accounts/alice",
                        f"/dashboard/operator/accounts/alice/keys/{key}/revoke")
    assert revoked.status_code == 303
    assert f"API key {key} of alice is revoked" in ops.get("/dashboard/operator/accounts/alice").text
    assert http.get(NUMBERS.format(sid="alice"), auth=(key, token)).status_code == 401
    assert ops.get(f"/dashboard/operator/accounts/alice/keys/{key}/revoke").status_code == 404  # revoked already
    assert actors_of(db, "api_key.created")[-1] == actors_of(db, "api_key.revoked")[-1] == ACTOR


def test_a_key_of_another_account_cannot_be_revoked_through_this_ones_page(
    ops: httpx.Client, alice: Persona, bob: Persona, db: Database,
) -> None:
    assert ops.get(f"/dashboard/operator/accounts/alice/keys/{bob.key}/revoke").status_code == 404
    refused = post_form(ops, "/dashboard/operator/accounts/alice",
                        f"/dashboard/operator/accounts/alice/keys/{bob.key}/revoke")
    assert refused.status_code == 404 and f"API key {bob.key}" in refused.text
    assert db.transact(list_api_keys, bob.account_id)[0].revoked_at is None


def test_a_label_too_long_is_refused_beside_its_field_and_issues_no_key(ops: httpx.Client, alice: Persona,
                                                                         db: Database) -> None:
    refused = post_form(ops, "/dashboard/operator/accounts/alice", "/dashboard/operator/accounts/alice/keys",
                        label="x" * 201)
    assert refused.status_code == 400 and field_error(refused.text, "label") == "Label must be at most 200 characters"
    assert 'id="new-token"' not in refused.text
    assert len(db.transact(list_api_keys, alice.account_id)) == 1


def test_a_csv_upload_imports_every_row_and_the_stats_count_them(ops: httpx.Client, db: Database) -> None:
    before = ops.get("/dashboard/operator/pool").text
    imported = upload(ops, GOOD_CSV)
    assert imported.status_code == 303 and imported.headers["location"] == "/dashboard/operator/pool"
    page = ops.get("/dashboard/operator/pool").text
    assert "Imported 2 number(s) from numbers.csv into the pool." in page
    total = int(re.search(r"\((\d+) numbers\)", page).group(1))  # type: ignore[union-attr]
    assert total == int(re.search(r"\((\d+) numbers\)", before).group(1)) + 2  # type: ignore[union-attr]
    assert 'class="seg state-available"' in page and 'role="img"' in page
    assert actors_of(db, "pool.imported") == [ACTOR]


def test_a_csv_with_bad_rows_lists_every_bad_line_with_its_reason_and_imports_nothing(
    ops: httpx.Client, db: Database,
) -> None:
    refused = upload(ops, BAD_CSV)
    assert refused.status_code == 422
    assert "numbers.csv: 3 invalid row(s); nothing was imported" in refused.text
    problems = re.findall(r"<li><strong>Line (\d+)</strong>: ([^<]+)</li>", refused.text)
    assert [line for line, _ in problems] == ["3", "4", "5"]
    assert "+91804" in problems[0][1] and "mars" in problems[1][1] and "repeats line 2" in problems[2][1]
    with db.begin() as conn:
        assert conn.execute(select(PhoneNumber.id).where(PhoneNumber.phone_number == "+918040001001")).first() is None
    assert actors_of(db, "pool.imported") == []


@pytest.mark.parametrize(("content", "message"), [
    ("", "the file is empty"),
    ("phone,cluster\n+918040001001,in\n", "unknown column(s): phone"),
    (b"phone_number,cluster,type,region\n\xff\xfe,in,landline,KA\n", "The file is not a UTF-8 CSV file"),
])
def test_a_file_that_is_not_a_usable_csv_is_refused_with_the_reason(
    ops: httpx.Client, content: str | bytes, message: str,
) -> None:
    refused = upload(ops, content)
    assert refused.status_code == 400 and message in refused.text


def test_an_upload_without_a_file_says_the_file_is_required(ops: httpx.Client) -> None:
    token = csrf_of(ops.get("/dashboard/operator/pool").text)
    refused = ops.post("/dashboard/operator/pool/imports", data={"csrf_token": token},
                       files={"other": ("x.txt", "x")})
    assert refused.status_code == 400 and "CSV file is required" in refused.text


def failed_release(db: Database, clock: ManualClock, persona: Persona, number: str) -> str:
    sid = db.transact(purchase_phone_number, clock, persona.actor, number).sid
    db.transact(release_phone_number, clock, persona.actor, sid)
    db.transact(lambda conn: fail_release(conn, clock.now(), claim_release(conn, clock.now(), sid, "w1", 30),
                                          "carrier <refused>"))
    return str(sid)


def test_failed_releases_come_first_and_a_retry_queues_one_again_as_the_operator_user(
    ops: httpx.Client, alice: Persona, db: Database, clock: ManualClock,
) -> None:
    failed = failed_release(db, clock, alice, IN_LANDLINE)
    other = db.transact(purchase_phone_number, clock, alice.actor, "+919845001200").sid
    db.transact(release_phone_number, clock, alice.actor, other)
    page = ops.get("/dashboard/operator/releases").text
    assert page.index(IN_LANDLINE) < page.index("+919845001200")
    assert "carrier &lt;refused&gt;" in page and f"/operator/releases/{failed}/retry" in page
    assert f"/operator/releases/{other}/retry" not in page
    retried = post_form(ops, "/dashboard/operator/releases", f"/dashboard/operator/releases/{failed}/retry")
    assert retried.status_code == 303
    assert f"Release of {IN_LANDLINE} is queued again" in ops.get("/dashboard/operator/releases").text
    assert db.transact(get_release, failed).state == "queued"
    assert actors_of(db, "release.retried") == [ACTOR]
    again = post_form(ops, "/dashboard/operator/releases", f"/dashboard/operator/releases/{failed}/retry")
    assert again.status_code == 409 and "only a failed release can be retried" in again.text


def test_retries_sent_at_once_queue_the_release_once(
    ops: httpx.Client, alice: Persona, db: Database, clock: ManualClock,
) -> None:
    failed = failed_release(db, clock, alice, IN_LANDLINE)
    token = csrf_of(ops.get("/dashboard/operator/releases").text)
    statuses: list[int] = []
    barrier = threading.Barrier(4)

    def retry() -> None:
        with httpx.Client(base_url=str(ops.base_url), cookies=ops.cookies, timeout=30) as client:
            barrier.wait()
            statuses.append(client.post(f"/dashboard/operator/releases/{failed}/retry",
                                        data={"csrf_token": token}).status_code)

    threads = [threading.Thread(target=retry) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [303, 409, 409, 409]
    assert actors_of(db, "release.retried") == [ACTOR]


def test_the_event_log_filters_by_account_kind_and_time_and_pages_back(
    ops: httpx.Client, alice: Persona, bob: Persona, db: Database, clock: ManualClock,
) -> None:
    for _ in range(60):
        post_form(ops, "/dashboard/operator/accounts/bob", "/dashboard/operator/accounts/bob/keys", label="k")
    clock.advance(3600)
    post_form(ops, "/dashboard/operator/accounts/alice", "/dashboard/operator/accounts/alice/keys", label="late")
    first = ops.get("/dashboard/operator/events", params={"account": "bob", "kind": "api_key.created"})
    whens = re.findall(r'data-label="Account"><a href="/dashboard/operator/accounts/(\w+)"', first.text)
    assert first.status_code == 200 and whens == ["bob"] * 50
    older = re.search(r'href="(/dashboard/operator/events\?[^"]+before=\d+)" rel="next"', first.text)
    assert older is not None
    second = ops.get(older.group(1).replace("&amp;", "&")).text
    # 60 made here and one by the persona fixture: 11 on the second page, and no further page.
    assert re.findall(r'operator/accounts/(\w+)"', second).count("bob") == 11 and 'rel="next"' not in second
    since = (clock.now() - timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M")
    recent = ops.get("/dashboard/operator/events", params={"since": since}).text
    assert re.findall(r'operator/accounts/(\w+)"><code>', recent) == ["alice"]


@pytest.mark.parametrize(("params", "field", "message"), [
    ({"account": "nobody"}, "account", "Account 'nobody' is not the sid of any account"),
    ({"since": "yesterday"}, "since", "Since must be a time such as 2026-03-02T09:30, not 'yesterday'"),
    ({"before": "x"}, "before", "Before must be a whole number"),
])
def test_a_bad_filter_is_refused_beside_its_field(
    ops: httpx.Client, params: dict[str, str], field: str, message: str,
) -> None:
    refused = ops.get("/dashboard/operator/events", params=params)
    assert refused.status_code == 400 and (field_error(refused.text, field) or "").startswith(message)


def test_the_event_log_exports_what_it_filters_as_csv_and_ndjson_oldest_first(
    ops: httpx.Client, alice: Persona, bob: Persona, db: Database, clock: ManualClock,
) -> None:
    db.transact(purchase_phone_number, clock, alice.actor, IN_LANDLINE)
    for _ in range(3):
        post_form(ops, "/dashboard/operator/accounts/alice", "/dashboard/operator/accounts/alice/keys", label="=cmd")
    with db.begin() as conn:
        expected = conn.execute(select(Event.id).where(Event.account_id == alice.account_id)
                                .order_by(Event.id)).scalars().all()
    ndjson = ops.get("/dashboard/operator/events/export", params={"account": "alice", "format": "ndjson"})
    assert ndjson.status_code == 200 and ndjson.headers["content-type"] == "application/x-ndjson"
    assert ndjson.headers["content-disposition"].startswith('attachment; filename="exopool-events-')
    records = [json.loads(line) for line in ndjson.text.splitlines()]
    assert [r["id"] for r in records] == expected and {r["account_sid"] for r in records} == {"alice"}
    assert records[1]["phone_number"] == IN_LANDLINE and records[-1]["actor"] == ACTOR
    exported = ops.get("/dashboard/operator/events/export", params={"account": "alice", "kind": "api_key.created"})
    assert exported.headers["content-type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert [row["kind"] for row in rows] == ["api_key.created"] * 4  # the fixture's key and three here
    assert json.loads(rows[-1]["data"])["label"] == "=cmd" and rows[-1]["actor"] == ACTOR
    bought = ops.get("/dashboard/operator/events/export", params={"kind": "number.purchased"}).text
    (first_bought,) = csv.DictReader(io.StringIO(bought))
    assert first_bought["phone_number"] == IN_LANDLINE  # a + number stays as it is
    refused = ops.get("/dashboard/operator/events/export", params={"format": "xml"})
    assert refused.status_code == 400 and "must be csv or ndjson" in refused.text


def test_an_export_of_more_events_than_one_read_holds_every_event_once(
    ops: httpx.Client, alice: Persona, db: Database, clock: ManualClock,
) -> None:
    db.transact(lambda conn: [record_event(conn, clock.now(), "number.updated", alice.actor)
                              for _ in range(EXPORT_BATCH + 5)])
    lines = ops.get("/dashboard/operator/events/export", params={"format": "ndjson"}).text.splitlines()
    ids = [json.loads(line)["id"] for line in lines]
    assert len(ids) > EXPORT_BATCH + 5 and ids == sorted(set(ids))
