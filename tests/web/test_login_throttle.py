"""The log-in throttle holds when attempts arrive at once, treats every email alike, and bounds what
anonymous attempts may cost the server."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from exopool.app import create_app
from exopool.clock import ManualClock
from exopool.config import Settings
from exopool.services.logins import FREE_FAILURES
from exopool.web.gate import MOST_WAITING
from tests.conftest import ServerThread
from tests.web.conftest import DashboardUser, csrf_of, log_in

ATTEMPTS_AT_ONCE = 40


@pytest.fixture
def unlimited(settings: Settings, clock: ManualClock) -> Iterator[str]:
    """A server with no per-address limit, so only the per-email throttle decides."""
    app = create_app(settings.replace(login_attempts_per_minute=0), clock=clock)
    with ServerThread(app) as server:
        yield server.url


def attempt(url: str, email: str, password: str) -> int:
    with httpx.Client(base_url=url, timeout=30) as client:
        return log_in(client, email, password).status_code


def test_wrong_passwords_sent_at_once_are_checked_no_more_often_than_the_throttle_allows(
    unlimited: str, alice_user: DashboardUser,
) -> None:
    with ThreadPoolExecutor(ATTEMPTS_AT_ONCE) as pool:
        statuses = Counter(pool.map(lambda _: attempt(unlimited, alice_user.email, "wrong"), range(ATTEMPTS_AT_ONCE)))
    assert statuses[401] <= FREE_FAILURES  # a 401 is an attempt that was checked
    assert statuses[401] + statuses[429] == ATTEMPTS_AT_ONCE
    assert attempt(unlimited, alice_user.email, alice_user.password) == 429  # the throttle holds for the owner too


def test_an_unknown_email_is_throttled_exactly_as_a_known_one(unlimited: str, alice_user: DashboardUser) -> None:
    known = [attempt(unlimited, alice_user.email, "wrong") for _ in range(FREE_FAILURES + 1)]
    unknown = [attempt(unlimited, "nobody@example.com", "wrong") for _ in range(FREE_FAILURES + 1)]
    assert known == unknown == [401] * FREE_FAILURES + [429]


def test_the_answers_of_a_known_and_an_unknown_email_read_the_same(unlimited: str, alice_user: DashboardUser) -> None:
    with httpx.Client(base_url=unlimited) as client:
        for _ in range(FREE_FAILURES):
            log_in(client, alice_user.email, "wrong")
        known = log_in(client, alice_user.email, "wrong")
    with httpx.Client(base_url=unlimited) as client:
        for _ in range(FREE_FAILURES):
            log_in(client, "nobody@example.com", "wrong")
        unknown = log_in(client, "nobody@example.com", "wrong")
    assert known.status_code == unknown.status_code == 429
    assert known.headers["retry-after"] == unknown.headers["retry-after"]
    assert known.text.replace(alice_user.email, "EMAIL").count("Too many failed logins") == 1
    assert "Too many failed logins" in unknown.text


def test_one_address_gets_a_few_attempts_a_minute_then_waits(settings: Settings, clock: ManualClock) -> None:
    app = create_app(settings.replace(login_attempts_per_minute=5), clock=clock)
    with ServerThread(app) as server, httpx.Client(base_url=server.url) as client:
        answers = [log_in(client, f"someone{n}@example.com", "wrong") for n in range(6)]
        assert [a.status_code for a in answers] == [401] * 5 + [429]
        assert int(answers[-1].headers["retry-after"]) >= 1
        clock.advance(60)
        assert log_in(client, "someone@example.com", "wrong").status_code == 401


def test_many_attempts_at_once_wait_in_a_short_queue_and_the_rest_are_refused_at_once(
    unlimited: str,
) -> None:
    emails = [f"flood{n}@example.com" for n in range(ATTEMPTS_AT_ONCE)]
    with ThreadPoolExecutor(ATTEMPTS_AT_ONCE) as pool:
        statuses = Counter(pool.map(lambda email: attempt(unlimited, email, "wrong"), emails))
    assert statuses[429] > 0 and statuses[401] >= 1
    assert statuses[401] + statuses[429] == ATTEMPTS_AT_ONCE
    assert MOST_WAITING < ATTEMPTS_AT_ONCE


def test_a_failed_log_in_renews_the_forms_token(web: httpx.Client, alice_user: DashboardUser) -> None:
    token = csrf_of(web.get("/dashboard/login").text)
    failed = web.post("/dashboard/login", data={"csrf_token": token, "email": alice_user.email, "password": "x"})
    assert failed.status_code == 401 and csrf_of(failed.text) != token
    reused = web.post("/dashboard/login", data={"csrf_token": token, "email": alice_user.email,
                                                "password": alice_user.password})
    assert reused.status_code == 403
