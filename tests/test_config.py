"""Settings refuse what no server could do with, naming the setting, before anything starts."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from exopool.cli import main
from exopool.config import Settings
from exopool.errors import ConfigurationError


@pytest.mark.parametrize(("name", "raw", "says"), [
    ("AGING_PERIOD_S", "-5", "aging_period_s must be at least 0, not -5"),
    ("MAX_BODY_BYTES", "0", "max_body_bytes must be at least 1, not 0"),
    ("DATABASE_POOL_SIZE", "0", "database_pool_size must be at least 1, not 0"),
    ("WORKER_BATCH", "0", "worker_batch must be at least 1, not 0"),
    ("RELEASE_MAX_ATTEMPTS", "0", "release_max_attempts must be at least 1, not 0"),
    ("SESSION_MAX_AGE_S", "0", "session_max_age_s must be at least 1, not 0"),
    ("RATE_LIMIT_PER_S", "-1", "rate_limit_per_s must be at least 0, not -1.0"),
    ("CARRIER_FAILURE_RATE", "2", "carrier_failure_rate must be from 0 to 1, not 2.0"),
    ("LOG_LEVEL", "LOUD", "log_level must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL, not 'LOUD'"),
    ("DATABASE_URL", "garbage://x",
     "database_url must start with one of sqlite:, sqlite+pysqlite:, postgresql+psycopg:"),
    ("DATABASE_URL", "postgresql://db/exopool", "(PostgreSQL through psycopg 3), not 'postgresql'"),
])
def test_a_setting_no_server_could_use_is_refused_by_name(name: str, raw: str, says: str) -> None:
    with pytest.raises(ConfigurationError) as refused:
        Settings.from_env({f"EXOPOOL_{name}": raw})
    assert says in refused.value.message


def test_the_edges_of_each_range_are_accepted() -> None:
    edges = {"EXOPOOL_AGING_PERIOD_S": "0", "EXOPOOL_MAX_BODY_BYTES": "1", "EXOPOOL_CARRIER_FAILURE_RATE": "1",
             "EXOPOOL_LOG_LEVEL": "debug", "EXOPOOL_DATABASE_URL": "postgresql+psycopg://db/exopool"}
    current = Settings.from_env(edges)
    assert (current.aging_period_s, current.max_body_bytes, current.log_level) == (0, 1, "debug")


def test_a_command_that_cannot_reach_its_database_says_so_in_one_line(tmp_path) -> None:  # type: ignore[no-untyped-def]
    env = {"EXOPOOL_DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/exopool",
           "EXOPOOL_DATA_DIR": str(tmp_path), "EXOPOOL_DATABASE_TIMEOUT_S": "2"}
    result = CliRunner().invoke(main, ["accounts", "list"], env=env)
    assert result.exit_code == 1
    assert result.output.startswith("Error: The database could not be used: ") and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1
