"""The sandbox seed: accounts, fixed API keys, dashboard users, pool numbers and owned numbers, read from JSON or YAML.

A seed is validated whole before anything is written, and every problem is reported with where
it is (`accounts[0].api_keys[1].token: required`), so a bad seed is one clear 400.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from exopool.config import CLUSTERS
from exopool.errors import BadRequest, InvalidParameter
from exopool.ids import is_sid
from exopool.phone import to_e164
from exopool.sandbox import magic
from exopool.services import demo
from exopool.services.accounts import ACCOUNT_SID, STATUSES
from exopool.services.phone_numbers import validate_friendly_name, validate_url
from exopool.services.pool import COLUMNS, validate_row
from exopool.services.users import check_password, checked_email

MAX_POOL = 100_000
MAX_KEY = 64
ACCOUNT_FIELDS = ("sid", "name", "cluster", "country", "status", "api_keys", "users", "numbers")
OWNED_FIELDS = ("phone_number", "sid", "voice_url", "sms_url", "friendly_name")


@dataclass(frozen=True)
class SeedKey:
    key: str
    token: str
    label: str = "sandbox"


@dataclass(frozen=True)
class SeedUser:
    email: str
    password: str


@dataclass(frozen=True)
class SeedNumber:
    phone_number: str
    sid: str | None = None
    voice_url: str | None = None
    sms_url: str | None = None
    friendly_name: str | None = None


@dataclass(frozen=True)
class SeedAccount:
    sid: str
    name: str
    cluster: str
    country: str = "IN"
    status: str = "active"
    api_keys: tuple[SeedKey, ...] = ()
    numbers: tuple[SeedNumber, ...] = ()
    users: tuple[SeedUser, ...] = ()


@dataclass(frozen=True)
class Seed:
    accounts: tuple[SeedAccount, ...]
    pool: tuple[dict[str, str], ...]
    source: Mapping[str, Any] = field(default_factory=dict)


class SeedRejected(BadRequest):
    """The seed is not valid; nothing was changed."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        shown = "; ".join(problems[:20]) + (f"; and {len(problems) - 20} more" if len(problems) > 20 else "")
        super().__init__(f"The seed is not valid: {shown}")


def load_seed_text(text: str, media_type: str = "") -> Seed:
    """A seed from JSON or YAML text (YAML unless the media type says JSON)."""
    try:
        data = json.loads(text) if "json" in media_type else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError, RecursionError) as error:  # RecursionError: nested past the parser's depth
        kind = "JSON" if "json" in media_type else "YAML or JSON"
        reason = str(error).splitlines()[0] if not isinstance(error, RecursionError) else "nested too deep"
        raise BadRequest(f"The seed is not valid {kind}: {reason}") from error
    return parse_seed(data)


def load_seed_file(path: str | Path) -> Seed:
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as error:
        raise BadRequest(f"Cannot read the seed file {file}: {error.strerror}") from error
    return load_seed_text(text, "application/json" if file.suffix == ".json" else "")


def parse_seed(data: Any) -> Seed:
    """A validated seed, or SeedRejected listing every problem."""
    problems: list[str] = []
    if not isinstance(data, dict):
        raise SeedRejected(["the seed must be a mapping with 'accounts' and 'pool'"])
    unknown = set(data) - {"accounts", "pool"}
    problems += [f"{name}: unknown section (expected accounts and pool)" for name in sorted(unknown)]
    pool = _pool(_list(data, "pool", problems), problems)
    accounts = tuple(_account(raw, f"accounts[{i}]", problems)
                     for i, raw in enumerate(_list(data, "accounts", problems)))
    problems += _cross_checks(accounts, pool)
    if problems:
        raise SeedRejected(problems)
    return Seed(accounts, pool, data)


def _list(data: Mapping[str, Any], name: str, problems: list[str]) -> list[Any]:
    value = data.get(name) or []
    if not isinstance(value, list):
        problems.append(f"{name}: must be a list")
        return []
    return value


def _text(raw: Mapping[str, Any], name: str, where: str, problems: list[str], *, required: bool = True,
          default: str | None = None) -> str | None:
    value = raw.get(name)
    if value is None or value == "":
        if required:
            problems.append(f"{where}.{name}: required")
        return default
    if isinstance(value, (dict, list, bool)):
        problems.append(f"{where}.{name}: must be text")
        return default
    return str(value)


def _pool(entries: list[Any], problems: list[str]) -> tuple[dict[str, str], ...]:
    rows: list[dict[str, str]] = []
    for i, raw in enumerate(entries):
        where = f"pool[{i}]"
        if not isinstance(raw, dict):
            problems.append(f"{where}: must be a mapping of {', '.join(COLUMNS)} (and count)")
            continue
        rows += _pool_entry(raw, where, problems)
        if len(rows) > MAX_POOL:
            problems.append(f"pool: more than {MAX_POOL} numbers")
            break
    return tuple(rows)


def _pool_entry(raw: dict[str, Any], where: str, problems: list[str]) -> list[dict[str, str]]:
    """One pool entry, expanded: `count` consecutive numbers from `phone_number`."""
    _unknown(raw, (*COLUMNS, "count"), where, problems)
    count = raw.get("count", 1)
    if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= MAX_POOL:
        problems.append(f"{where}.count: must be a whole number from 1 to {MAX_POOL}")
        return []
    row = {k: _cell(v) for k, v in raw.items() if k in COLUMNS}
    try:
        first = validate_row(row)["phone_number"]
    except InvalidParameter as error:
        problems.append(f"{where}: {error.problem}")
        return []
    expanded = []
    for offset in range(count):
        candidate = {**row, "phone_number": f"+{int(first[1:]) + offset}"}
        try:
            validate_row(candidate)
        except InvalidParameter as error:
            problems.append(f"{where} (number {offset + 1} of {count}): {error.problem}")
            break
        expanded.append(candidate)
    return expanded


def _unknown(raw: dict[str, Any], allowed: tuple[str, ...], where: str, problems: list[str]) -> None:
    """A misspelt field would otherwise be ignored without a word."""
    unknown = set(raw) - set(allowed)
    if unknown:
        problems.append(f"{where}: unknown field(s) {', '.join(sorted(unknown))} (expected {', '.join(allowed)})")


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _account(raw: Any, where: str, problems: list[str]) -> SeedAccount:
    if not isinstance(raw, dict):
        problems.append(f"{where}: must be a mapping")
        return SeedAccount("", "", "")
    _unknown(raw, ACCOUNT_FIELDS, where, problems)
    sid = _text(raw, "sid", where, problems) or ""
    if sid and not ACCOUNT_SID.match(sid):
        problems.append(f"{where}.sid: {sid!r} must be 1-64 letters, digits, '-' or '_'")
    cluster = _text(raw, "cluster", where, problems) or ""
    if cluster and cluster not in CLUSTERS:
        problems.append(f"{where}.cluster: {cluster!r} is not one of {', '.join(CLUSTERS)}")
    status = _text(raw, "status", where, problems, required=False, default="active") or "active"
    if status not in STATUSES:
        problems.append(f"{where}.status: {status!r} is not one of {', '.join(STATUSES)}")
    keys = tuple(_key(k, f"{where}.api_keys[{j}]", problems) for j, k in enumerate(_list(raw, "api_keys", problems)))
    numbers = tuple(_owned(n, f"{where}.numbers[{j}]", problems) for j, n in enumerate(_list(raw, "numbers", problems)))
    users = tuple(_user(u, f"{where}.users[{j}]", problems) for j, u in enumerate(_list(raw, "users", problems)))
    return SeedAccount(sid, _text(raw, "name", where, problems, required=False, default=sid) or sid, cluster,
                       (_text(raw, "country", where, problems, required=False, default="IN") or "IN").upper(),
                       status, keys, numbers, users)


def _key(raw: Any, where: str, problems: list[str]) -> SeedKey:
    if not isinstance(raw, dict):
        problems.append(f"{where}: must be a mapping with key and token")
        return SeedKey("", "")
    _unknown(raw, ("key", "token", "label"), where, problems)
    key, token = _text(raw, "key", where, problems) or "", _text(raw, "token", where, problems) or ""
    for name, value in (("key", key), ("token", token)):
        if len(value) > MAX_KEY or ":" in value or any(ch.isspace() for ch in value):
            problems.append(f"{where}.{name}: at most {MAX_KEY} characters, no ':' and no spaces")
    return SeedKey(key, token, _text(raw, "label", where, problems, required=False, default="sandbox") or "sandbox")


def _user(raw: Any, where: str, problems: list[str]) -> SeedUser:
    """A dashboard login of the account, checked by the users service's own rules."""
    if not isinstance(raw, dict):
        problems.append(f"{where}: must be a mapping with email and password")
        return SeedUser("", "")
    _unknown(raw, ("email", "password"), where, problems)
    email, password = _text(raw, "email", where, problems) or "", _text(raw, "password", where, problems) or ""
    try:
        email = checked_email(email) if email else ""
    except InvalidParameter as error:
        problems.append(f"{where}.email: {error.problem}")
    try:
        if password:
            check_password(password)
    except InvalidParameter as error:
        problems.append(f"{where}.password: {error.problem}")
    return SeedUser(email, password)


def _owned(raw: Any, where: str, problems: list[str]) -> SeedNumber:
    if isinstance(raw, str):
        raw = {"phone_number": raw}
    if not isinstance(raw, dict):
        problems.append(f"{where}: must be a phone number or a mapping with phone_number")
        return SeedNumber("")
    _unknown(raw, OWNED_FIELDS, where, problems)
    phone, *rest = (_text(raw, name, where, problems, required=name == "phone_number") for name in OWNED_FIELDS)
    number = SeedNumber(phone or "", *rest)
    try:
        validate_url("voice_url", number.voice_url)
        validate_url("sms_url", number.sms_url)
        validate_friendly_name(number.friendly_name)
    except InvalidParameter as error:
        problems.append(f"{where}: {error.message}")
    if number.sid is not None and not is_sid(number.sid):
        problems.append(f"{where}.sid: must be 32 lower-case hex characters")
    return number


def _cross_checks(accounts: tuple[SeedAccount, ...], pool: tuple[dict[str, str], ...]) -> list[str]:
    """What no single entry shows: repeats, and owned numbers outside their account's pool."""
    problems: list[str] = []
    clusters = {row["phone_number"]: row["cluster"].strip().lower() for row in pool}
    if len(clusters) < len(pool):
        problems.append("pool: a number appears more than once")
    problems += [f"pool: {n} is a magic number; it is added to every seed by itself"
                 for n in clusters if n in magic.MAGIC]
    seen: dict[str, set[str]] = {"account sid": set(), "API key": set(), "email": set(), "owned number": set(),
                                 "number sid": set()}
    for i, account in enumerate(accounts):
        where = f"accounts[{i}]"
        problems += _once(seen["account sid"], account.sid, f"{where}.sid")
        for j, key in enumerate(account.api_keys):
            problems += _once(seen["API key"], key.key, f"{where}.api_keys[{j}].key")
        for j, user in enumerate(account.users):
            problems += _once(seen["email"], user.email, f"{where}.users[{j}].email")
        for j, owned in enumerate(account.numbers):
            problems += _owned_checks(owned, account, clusters, seen, f"{where}.numbers[{j}]")
    return problems


def _owned_checks(owned: SeedNumber, account: SeedAccount, clusters: dict[str, str], seen: dict[str, set[str]],
                  where: str) -> list[str]:
    if not owned.phone_number:
        return []  # already reported as required
    try:
        e164 = to_e164(owned.phone_number, account.country or "IN")
    except InvalidParameter as error:
        return [f"{where}: {error.problem}"]
    problems = _once(seen["owned number"], e164, where)
    if owned.sid:
        problems += _once(seen["number sid"], owned.sid, f"{where}.sid")
    if e164 not in clusters:
        problems.append(f"{where}: {e164} is not in the pool; add it there too")
    elif account.cluster and clusters[e164] != account.cluster:
        problems.append(f"{where}: {e164} is in the {clusters[e164]} pool, not {account.cluster}")
    return problems


def _once(seen: set[str], value: str, where: str) -> list[str]:
    if value and value in seen:
        return [f"{where}: {value!r} is used more than once"]
    seen.add(value)
    return []


@functools.cache
def default_seed() -> Seed:
    """The demo data as a seed: an account in each cluster with its fixed key and dashboard login, a pool,
    a few numbers owned."""
    pool = [{"phone_number": f"{prefix}{0:0{13 - len(prefix)}d}", "cluster": cluster, "type": kind,
             "region": circle, "count": count, "sms": kind == "Mobile", "voice": True,
             "rental_price": "0" if kind == "TollFree" else "499", "one_time_price": "999", "incoming_rate": "0.5"}
            for cluster, prefix, kind, circle, count in demo.POOLS]
    accounts = []
    for sid, name, cluster in demo.DEMO_ACCOUNTS:
        key, token = demo.demo_key(sid)
        prefix = next(prefix for c, prefix, *_ in demo.POOLS if c == cluster)
        owned = [{"phone_number": f"{prefix}{i:0{13 - len(prefix)}d}", "voice_url": f"https://example.com/{sid}/voice"}
                 for i in range(demo.BOUGHT_PER_ACCOUNT)]
        accounts.append({"sid": sid, "name": name, "cluster": cluster,
                         "api_keys": [{"key": key, "token": token, "label": "demo"}], "numbers": owned,
                         "users": [{"email": demo.demo_email(sid), "password": demo.DEMO_PASSWORD}]})
    return parse_seed({"accounts": accounts, "pool": pool})
