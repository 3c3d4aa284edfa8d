"""The database goes away mid-run and comes back: 503s in the error shape, then service resumes."""

from __future__ import annotations

import json
import logging

import httpx
import pytest
from sqlalchemy import create_engine

from exopool.app import create_app
from exopool.clock import ManualClock
from exopool.config import Settings
from exopool.db import Database
from exopool.logs import JsonFormatter, RequestIdFilter
from exopool.migrations import upgrade
from exopool.services.demo import pool_rows
from exopool.services.pool import import_numbers
from tests.conftest import SECRET, ServerThread, make_persona
from tests.postgresql.conftest import OwnPostgres


def _migrated(server: OwnPostgres) -> Settings:
    engine = create_engine(server.url)
    upgrade(engine)
    engine.dispose()
    return Settings(database_url=server.url, secret_key=SECRET, run_worker=False, aging_period_s=0,
                    log_json=False, database_timeout_s=2.0)


def test_requests_while_the_database_is_down_are_503_and_service_resumes_when_it_is_back(
    own_postgres: OwnPostgres, caplog: pytest.LogCaptureFixture,
) -> None:
    settings, clock = _migrated(own_postgres), ManualClock()
    db = Database(settings)
    db.transact(import_numbers, clock.now(), pool_rows())
    alice = make_persona(db, clock, "alice", "in")
    db.dispose()
    path = f"/v2_beta/Accounts/{alice.sid}/IncomingPhoneNumbers"
    caplog.set_level(logging.WARNING)
    caplog.handler.addFilter(RequestIdFilter())
    with ServerThread(create_app(settings, clock=clock)) as server, \
            httpx.Client(base_url=server.url, headers={"Host": "api.in.exotel.com"}, timeout=15) as http:
        assert http.get(path, auth=alice.auth).status_code == 200
        assert http.get("/readyz").status_code == 200

        own_postgres.stop()
        for response in (http.get(path, auth=alice.auth), http.post(path, data={"PhoneNumber": "+918048332510"},
                                                                    auth=alice.auth), http.get("/readyz")):
            assert response.status_code == 503
            body = response.json()
            assert body["RestException"]["Code"] == 1503
            assert body["request_id"] == response.headers["x-request-id"]
            assert "Traceback" not in response.text
        assert http.get("/healthz").status_code == 200
        assert "exopool_database_up 0.0" in http.get("/metrics").text

        own_postgres.start()
        own_postgres.wait_until_accepting()
        assert http.get("/readyz").status_code == 200
        bought = http.post(path, data={"PhoneNumber": "+918048332510"}, auth=alice.auth)
        assert bought.status_code == 200
        assert http.get(path, auth=alice.auth).json()["incoming_phone_numbers"][0]["sid"] == bought.json()["sid"]
    said = [r for r in caplog.records if r.name == "exopool.db" and "database" in r.getMessage()]
    started = [r for r in said if "cannot be reached" in r.getMessage()]
    assert len(started) == 1 and started[0].exc_info is not None, "the outage is logged once, with its cause"
    assert json.loads(JsonFormatter().format(started[0])).get("request_id"), "by the request that found it"
    assert [r.getMessage() for r in said if "reached again" in r.getMessage()], "and its end once"
    assert not [r for r in caplog.records if r.name == "exopool.http"], "no 503 is logged on its own"
