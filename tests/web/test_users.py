"""The users service: who may log in, and how failures slow the next attempts."""

from __future__ import annotations

import pytest

from exopool.clock import ManualClock
from exopool.db import Database
from exopool.errors import Conflict, InvalidParameter, NotFound
from exopool.services.accounts import set_account_status
from exopool.services.api_keys import create_api_key
from exopool.services.demo import DEMO_PASSWORD, demo_email, seed_demo
from exopool.services.events import list_events
from exopool.services.logins import FREE_FAILURES, backoff_s, log_in
from exopool.services.users import OperatorUser, create_operator_user, create_user
from tests.conftest import SECRET, Persona
from tests.web.conftest import DashboardUser


@pytest.mark.parametrize(("email", "password", "error"), [
    ("not-an-email", "long enough password", InvalidParameter),
    ("ann@example.com", "short", InvalidParameter),
])
def test_create_user_refuses_bad_emails_and_short_passwords(
    db: Database, clock: ManualClock, alice: Persona, email: str, password: str, error: type[Exception],
) -> None:
    with pytest.raises(error):
        db.transact(create_user, clock, alice.sid, email, password)


def test_create_user_needs_an_existing_account_and_a_new_email(
    db: Database, clock: ManualClock, alice_user: DashboardUser,
) -> None:
    with pytest.raises(NotFound):
        db.transact(create_user, clock, "nobody", "x@example.com", "long enough password")
    with pytest.raises(Conflict):
        db.transact(create_user, clock, "alice", "ALICE@example.com", "long enough password")


def test_a_user_with_an_email_of_the_longest_kind_can_act_and_is_named_in_the_event(
    db: Database, clock: ManualClock, alice: Persona,
) -> None:
    email = "u" * 64 + "@" + ("d" * 62 + ".") * 4 + "com"  # 320 characters, the most an address holds
    assert len(email) == 320
    user = db.transact(create_user, clock, alice.sid, email, "long enough password")
    db.transact(create_api_key, clock, SECRET, alice.sid, "made by a long-named user", user.actor())
    [newest, *_] = db.transact(lambda conn: list_events(conn, account_id=user.account_id))  # newest first
    assert (newest.kind, newest.actor) == ("api_key.created", f"user:{email}")


def test_stored_password_is_an_argon2_hash_not_the_password(db: Database, alice_user: DashboardUser) -> None:
    stored = db.transact(lambda conn: conn.exec_driver_sql("SELECT password_hash FROM users").scalar())
    assert stored.startswith("$argon2id$") and alice_user.password not in stored


def test_backoff_is_free_at_first_then_doubles_up_to_a_cap() -> None:
    waits = [backoff_s(n) for n in range(FREE_FAILURES + 4)]
    assert waits == [0] * FREE_FAILURES + [2, 4, 8, 16]
    assert backoff_s(100) == 15 * 60


def test_email_is_matched_whatever_its_case(db: Database, clock: ManualClock, alice_user: DashboardUser) -> None:
    assert log_in(db, clock, SECRET, " Alice@Example.COM ", alice_user.password).user is not None


def test_a_suspended_accounts_users_cannot_log_in(db: Database, clock: ManualClock, alice_user: DashboardUser) -> None:
    db.transact(set_account_status, "alice", "suspended")
    assert log_in(db, clock, SECRET, alice_user.email, alice_user.password).user is None


def test_demo_accounts_come_with_a_dashboard_user(db: Database, clock: ManualClock) -> None:
    db.transact(seed_demo, clock, "demo-secret")
    login = log_in(db, clock, SECRET, demo_email("demo_sg"), DEMO_PASSWORD)
    assert login.user is not None and (login.user.account_sid, login.user.cluster) == ("demo_sg", "sg")


def test_an_operator_user_logs_in_of_no_account_and_acts_under_their_email(db: Database, clock: ManualClock) -> None:
    db.transact(create_operator_user, clock, "ops@example.com", "long enough password")
    login = log_in(db, clock, SECRET, "OPS@example.com", "long enough password")
    assert isinstance(login.user, OperatorUser) and login.user.email == "ops@example.com"
    actor = login.user.actor("req-1")
    assert (actor.account_id, actor.label, actor.request_id) == (None, "user:ops@example.com", "req-1")
    assert log_in(db, clock, SECRET, "ops@example.com", "not the password").user is None
