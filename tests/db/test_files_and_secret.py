"""What exopool writes is private from the moment it exists, its secret key is one per database however
many processes start at once, and no value a statement carried reaches an error message."""

from __future__ import annotations

import stat
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from exopool.app import create_app
from exopool.clock import ManualClock
from exopool.config import Settings
from exopool.db import Database, Prepared, execute
from exopool.migrations import upgrade
from exopool.models import ApiKey, InstanceValue
from exopool.sandbox.tls import ensure_certificates
from exopool.services.instance import secret_key
from tests.conftest import Persona, ServerThread, subprocess_env


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_sqlite_files_are_the_owners_alone_from_the_start(tmp_path: Path, settings: Settings) -> None:
    database = tmp_path / "private" / "exopool.db"
    served = settings.replace(database_url=f"sqlite:///{database}", secret_key="")
    with ServerThread(create_app(served, clock=ManualClock())) as server:
        assert httpx.get(f"{server.url}/readyz").status_code == 200
        files = [database, Path(f"{database}-wal"), Path(f"{database}-shm")]
        assert {path.name: mode_of(path) for path in files} == {path.name: 0o600 for path in files}
    assert mode_of(database.parent) == 0o700


def test_the_data_directory_and_its_certificates_are_the_owners_alone(tmp_path: Path) -> None:
    files = ensure_certificates(tmp_path / "data")
    assert mode_of(tmp_path / "data") == mode_of(files.key.parent) == 0o700
    assert mode_of(files.key) == 0o600


def test_processes_starting_at_once_on_one_database_share_one_secret_key(settings: Settings) -> None:
    def start() -> str:
        db = Database(settings)
        try:
            return db.transact(secret_key, ManualClock().now(), None)
        finally:
            db.dispose()

    with ThreadPoolExecutor(8) as pool:
        keys = set(pool.map(lambda _: start(), range(8)))
    assert len(keys) == 1 and len(next(iter(keys))) == 64
    db = Database(settings)
    assert db.transact(lambda conn: conn.execute(select(func.count()).select_from(InstanceValue)).scalar()) == 1
    db.dispose()


def test_a_secret_key_left_in_an_older_data_directory_is_kept(tmp_path: Path) -> None:
    legacy = tmp_path / "secret.key"
    legacy.write_text("f" * 64 + "\n")
    db = Database(Settings(database_url=f"sqlite:///{tmp_path / 'old.db'}"))
    upgrade(db.engine)
    assert db.transact(secret_key, ManualClock().now(), legacy) == "f" * 64
    db.dispose()


def test_a_key_made_by_the_cli_in_another_directory_works_against_the_server(
    tmp_path: Path, settings: Settings, alice: Persona,
) -> None:
    served = settings.replace(secret_key="", data_dir=str(tmp_path / "server-data"))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = subprocess_env(served, EXOPOOL_DATA_DIR=str(elsewhere / ".exopool"))
    env.pop("EXOPOOL_SECRET_KEY", None)
    made = subprocess.run([sys.executable, "-m", "exopool", "api-keys", "create", "--account", alice.sid, "--json"],
                          cwd=elsewhere, env=env, capture_output=True, text=True, timeout=120)
    assert made.returncode == 0, made.stderr
    import json

    issued = json.loads(made.stdout)
    with ServerThread(create_app(served, clock=ManualClock())) as server:
        answer = httpx.get(f"{server.url}/v2_beta/Accounts/{alice.sid}/IncomingPhoneNumbers",
                           auth=(issued["api_key"], issued["api_token"]), headers={"Host": "api.in.exotel.com"})
    assert answer.status_code == 200, answer.text


def test_a_statements_values_never_reach_its_error_message(db: Database, alice: Persona) -> None:
    duplicate = {"key": alice.key, "token_hmac": "secret-looking-value", "account_id": alice.account_id,
                 "label": "x", "created_at": ManualClock().now()}
    core, prepared = insert(ApiKey).values(duplicate), Prepared(insert(ApiKey), columns=tuple(duplicate))
    for statement, params in ((core, {}), (prepared, duplicate)):
        with pytest.raises(IntegrityError) as raised:
            db.transact(lambda conn, s=statement, p=params: execute(conn, s, **p))
        # PostgreSQL's own message names the key that clashes; the values the statement carried stay out.
        assert "secret-looking-value" not in str(raised.value)
