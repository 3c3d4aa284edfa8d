"""exopool releases list / retry and exopool numbers show, run as a user would."""

from __future__ import annotations

from click.testing import CliRunner

from exopool.backoff import Backoff
from exopool.cli import main
from exopool.clock import ManualClock
from exopool.config import Settings
from exopool.db import Database
from exopool.services.releases import claim_release_jobs, get_release, record_failed_attempt
from tests.conftest import Persona, subprocess_env
from tests.releases.conftest import WorkerProcess, queue_releases, wait_for

NUMBER = "+918048332510"


def run(settings: Settings, *args: str) -> str:
    result = CliRunner(env=cli_env(settings)).invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def cli_env(settings: Settings) -> dict[str, str]:
    env = {k: v for k, v in subprocess_env(settings).items() if k.startswith("EXOPOOL_")}
    return {**env, "COLUMNS": "250"}


def fail_for_good(db: Database, clock: ManualClock, sid: str) -> None:
    [job] = db.transact(claim_release_jobs, clock.now(), "w1", 10, 1)
    db.transact(record_failed_attempt, clock.now(), job, "carrier down", Backoff(max_attempts=1))


def test_releases_list_shows_state_attempts_error_and_next_try(settings: Settings, db: Database,
                                                              clock: ManualClock, alice: Persona) -> None:
    [sid] = queue_releases(db, clock, alice, [NUMBER])
    [job] = db.transact(claim_release_jobs, clock.now(), "w1", 10, 1)
    db.transact(record_failed_attempt, clock.now(), job, "carrier busy", Backoff(base_s=60))
    listed = run(settings, "releases", "list")
    line = next(line for line in listed.splitlines() if sid in line)
    assert "queued" in line and "carrier busy" in line and " 1 " in line
    assert clock.now().strftime("%Y-%m-%d") in line


def test_releases_retry_recovers_a_failed_release(settings: Settings, db: Database, clock: ManualClock,
                                                 alice: Persona) -> None:
    [sid] = queue_releases(db, clock, alice, [NUMBER])
    fail_for_good(db, clock, sid)
    assert "failed" in run(settings, "releases", "list", "--state", "failed")
    assert f"release {sid} of {NUMBER} queued again" in run(settings, "releases", "retry", sid)
    with WorkerProcess(settings):
        wait_for(lambda: db.transact(get_release, sid).state == "done")
    assert "aging" not in run(settings, "numbers", "list", "--state", "aging")


def test_retrying_a_release_that_did_not_fail_is_an_error(settings: Settings, db: Database, clock: ManualClock,
                                                          alice: Persona) -> None:
    [sid] = queue_releases(db, clock, alice, [NUMBER])
    result = CliRunner(env=cli_env(settings)).invoke(main, ["releases", "retry", sid])
    assert result.exit_code == 1 and "only a failed release can be retried" in result.output


def test_numbers_show_tells_the_whole_story_by_number_or_by_a_former_sid(settings: Settings, db: Database,
                                                                         clock: ManualClock, alice: Persona) -> None:
    [sid] = queue_releases(db, clock, alice, [NUMBER])
    fail_for_good(db, clock, sid)
    shown = run(settings, "numbers", "show", NUMBER)
    assert "release_failed" in shown.splitlines()[0]
    for kind in ("number.purchased", "number.release_accepted", "release.attempt_started", "release.attempt_failed",
                 "release.failed", alice.key, "worker:w1", "carrier down"):
        assert kind in shown
    assert run(settings, "numbers", "show", sid).splitlines()[0] == shown.splitlines()[0]


def test_numbers_show_of_an_unknown_number_is_an_error(settings: Settings, db: Database) -> None:
    result = CliRunner(env=cli_env(settings)).invoke(main, ["numbers", "show", "+918048999999"])
    assert result.exit_code == 1 and "No number +918048999999" in result.output
