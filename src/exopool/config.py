"""Settings: one frozen value, read from the environment once and passed in."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from exopool.errors import ConfigurationError

CLUSTERS = ("sg", "in")
DEFAULT_HOSTS = {"api.exotel.com": "sg", "api.in.exotel.com": "in"}
CLUSTER_HOSTS = {"sg": "api.exotel.com", "in": "api.in.exotel.com"}
SECRET_FIELDS = {"secret_key", "sandbox_admin_token", "webhook_secret"}
DAY = 86400
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
DATABASES = ("sqlite:", "sqlite+pysqlite:", "postgresql+psycopg:")  # the engines and drivers exopool runs on
# The least each number setting may be: below it the setting means nothing a server could do.
AT_LEAST = {
    "sqlite_wal_limit_mb": 1, "max_body_bytes": 1, "database_pool_size": 1, "worker_batch": 1,
    "release_max_attempts": 1, "session_max_age_s": 1, "aging_period_s": 0, "carrier_latency_ms": 0,
    "carrier_fail_attempts": 0, "rate_limit_per_s": 0, "rate_limit_burst": 0, "database_statement_timeout_ms": 0,
    "max_header_bytes": 1024, "login_attempts_per_minute": 0, "webhook_retry_period_s": 1,
    "webhook_delivery_timeout_s": 0.001, "webhook_backoff_base_s": 0.001, "webhook_backoff_max_s": 0.001,
}
HTTP_SERVERS = ("uvicorn", "granian")
SYNCHRONOUS = ("FULL", "NORMAL", "EXTRA")  # SQLite levels that keep the database whole; FULL and EXTRA keep each commit


@dataclass(frozen=True)
class Settings:
    """Everything exopool can be told, with safe defaults."""

    database_url: str = "sqlite:///exopool.db"
    data_dir: str = ".exopool"
    secret_key: str = ""
    sandbox: bool = False
    sandbox_admin_token: str = ""
    default_cluster: str = "in"
    hosts: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_HOSTS))
    max_body_bytes: int = 64 * 1024
    # The request line and headers together; past it the server answers 431 and closes the connection.
    max_header_bytes: int = 32 * 1024
    # What serves the HTTP of `exopool serve`: uvicorn or granian.
    http_server: str = "uvicorn"
    # FULL: every answered write is on disk before its answer (one sync per group-commit batch).
    # NORMAL: a power loss may undo the last moments of answered writes.
    sqlite_synchronous: str = "FULL"
    # The serving process keeps SQLite's write-ahead log near this size under writes with no pause.
    sqlite_wal_limit_mb: int = 64
    run_worker: bool = True
    carrier: str = "none"
    carrier_latency_ms: int = 0
    carrier_failure_rate: float = 0.0
    carrier_seed: int | None = None
    webhook_url: str = ""
    webhook_secret: str = ""
    webhook_timeout_s: float = 5.0
    release_max_attempts: int = 5
    release_backoff_base_s: float = 2.0
    release_backoff_max_s: float = 600.0
    release_lease_s: float = 60.0
    worker_poll_s: float = 0.2
    aging_period_s: int = 90 * DAY
    # How long after its release a number may be restored by its account; None: the aging period.
    restore_window_s: int | None = None
    log_json: bool = True
    log_level: str = "INFO"
    # releases: the simulated carrier fails the first N attempts of every release (retry demos);
    # how many due jobs a worker claims in one transaction.
    carrier_fail_attempts: int = 0
    worker_batch: int = 20
    # sandbox: a seed file (JSON or YAML) the sandbox starts from and resets to; empty means the demo seed
    sandbox_seed: str = ""
    # dashboard: how long a login lasts, and the pause after a wrong password
    session_max_age_s: int = 8 * 3600
    login_failure_delay_s: float = 0.5
    # Dashboard log-in attempts one client address may make a minute (0: no limit).
    login_attempts_per_minute: int = 20
    # Database servers (PostgreSQL): connections per process, and how long anything may wait.
    database_pool_size: int = 10
    database_timeout_s: float = 5.0
    database_statement_timeout_ms: int = 30000
    # Per-account rate limit of the API: requests a second after a burst of rate_limit_burst
    # (0: one second's worth); 0 requests a second is no limit.
    rate_limit_per_s: float = 0.0
    rate_limit_burst: int = 0
    # Where every API process counts against one budget per account (redis://HOST:PORT/DB); empty: in each process.
    rate_limit_storage: str = ""
    # Webhook deliveries of number events: how long a receiver may take to answer, the back-off between
    # attempts (about base, 2 * base, 4 * base, ... up to max, with jitter), and how long a delivery is
    # retried before it fails; an endpoint every delivery of which failed for that long is disabled.
    webhook_delivery_timeout_s: float = 10.0
    webhook_backoff_base_s: float = 5.0
    webhook_backoff_max_s: float = 3 * 3600.0
    webhook_retry_period_s: int = 3 * DAY

    def __post_init__(self) -> None:
        for name, least in AT_LEAST.items():
            if getattr(self, name) < least:
                raise ConfigurationError(f"{name} must be at least {least}, not {getattr(self, name)!r}")
        if self.restore_window_s is not None and self.restore_window_s < 0:
            raise ConfigurationError(f"restore_window_s must be at least 0, not {self.restore_window_s!r}")
        if not 0 <= self.carrier_failure_rate <= 1:
            raise ConfigurationError(f"carrier_failure_rate must be from 0 to 1, not {self.carrier_failure_rate!r}")
        if self.sqlite_synchronous.upper() not in SYNCHRONOUS:
            raise ConfigurationError(f"sqlite_synchronous must be one of {', '.join(SYNCHRONOUS)}, "
                                     f"not {self.sqlite_synchronous!r}")
        if self.log_level.upper() not in LOG_LEVELS:
            raise ConfigurationError(f"log_level must be one of {', '.join(LOG_LEVELS)}, not {self.log_level!r}")
        if not self.database_url.startswith(DATABASES):
            raise ConfigurationError(f"database_url must start with one of {', '.join(DATABASES)} "
                                     f"(PostgreSQL through psycopg 3), not {self.database_url.partition(':')[0]!r}")
        if self.http_server not in HTTP_SERVERS:
            raise ConfigurationError(f"http_server must be one of {', '.join(HTTP_SERVERS)}, not {self.http_server!r}")
        if self.default_cluster not in CLUSTERS:
            raise ConfigurationError(f"default_cluster must be one of {CLUSTERS}, not {self.default_cluster!r}")
        for host, cluster in self.hosts.items():
            if cluster not in CLUSTERS:
                raise ConfigurationError(f"host {host!r} maps to unknown cluster {cluster!r}")

    def __repr__(self) -> str:
        shown = []
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in SECRET_FIELDS and value:
                value = "********"
            shown.append(f"{f.name}={value!r}")
        return f"Settings({', '.join(shown)})"

    def cluster_for_host(self, host: str | None) -> str:
        """The cluster a request's Host header selects; the default for any other host."""
        name = (host or "").rsplit(":", 1)[0].lower() if host and not host.startswith("[") else (host or "")
        return self.hosts.get(name, self.default_cluster)

    def replace(self, **changes: Any) -> Settings:
        return replace(self, **changes)

    @property
    def sqlite_wal_limit_bytes(self) -> int:
        return self.sqlite_wal_limit_mb << 20

    @property
    def restore_window(self) -> int:
        """Seconds after its release during which a number may be restored."""
        return self.aging_period_s if self.restore_window_s is None else self.restore_window_s

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Build settings from EXOPOOL_* variables; explicit overrides win."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = env.get(f"EXOPOOL_{f.name.upper()}")
            if raw is not None:
                values[f.name] = _parse(f.name, f.type, raw)
        values.update({k: v for k, v in overrides.items() if v is not None})
        if "aging_period_s" not in values and values.get("sandbox"):
            values["aging_period_s"] = 0
        if "carrier" not in values and values.get("sandbox"):
            values["carrier"] = "simulated"
        if values.get("sandbox"):  # a sandbox's webhook retries come seconds apart
            values.setdefault("webhook_backoff_base_s", 1.0)
            values.setdefault("webhook_backoff_max_s", 10.0)
        return cls(**values)

    @property
    def legacy_secret_file(self) -> Path:
        """Where versions before the key moved into the database kept it; read once, to keep it."""
        return Path(self.data_dir) / "secret.key"


def parse_bool(name: str, raw: str) -> bool:
    """Strict booleans: a typo is an error, not False."""
    lowered = raw.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ConfigurationError(f"EXOPOOL_{name.upper()} must be true or false, not {raw!r}")


def _parse(name: str, type_name: Any, raw: str) -> Any:
    kind = str(type_name)
    try:
        if kind == "bool":
            return parse_bool(name, raw)
        if kind == "int":
            return int(raw)
        if kind == "float":
            return float(raw)
        if kind == "int | None":
            return int(raw) if raw.strip() else None
        if name == "hosts":
            return _parse_hosts(raw)
    except ValueError as exc:
        raise ConfigurationError(f"EXOPOOL_{name.upper()}: {exc}") from exc
    return raw


def _parse_hosts(raw: str) -> dict[str, str]:
    """'api.exotel.com=sg,api.in.exotel.com=in' → mapping."""
    table = {}
    for item in filter(None, (part.strip() for part in raw.split(","))):
        host, sep, cluster = item.partition("=")
        if not sep:
            raise ValueError(f"expected host=cluster, got {item!r}")
        table[host.strip().lower()] = cluster.strip()
    return table
