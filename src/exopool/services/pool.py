"""Filling a cluster's pool: validate every row, then insert all of them or none."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from itertools import islice
from typing import Any

from sqlalchemy import Connection, insert, select

from exopool.config import CLUSTERS
from exopool.errors import BadRequest, InvalidParameter
from exopool.ids import new_sid
from exopool.lifecycle import NumberState
from exopool.models import PhoneNumber
from exopool.phone import INDIAN_CIRCLES, NUMBER_TYPES, country_of, parse_number_type, to_e164, type_matches

COLUMNS = ("phone_number", "cluster", "type", "region", "voice", "sms",
           "rental_price", "one_time_price", "incoming_rate", "currency")
REQUIRED = ("phone_number", "cluster", "type")
CURRENCIES = {"IN": "INR", "SG": "SGD", "US": "USD", "GB": "GBP"}
BATCH = 5000


@dataclass(frozen=True)
class RowError:
    line: int
    reason: str


class ImportRejected(BadRequest):
    """The file has invalid rows; nothing was imported."""

    def __init__(self, problems: list[RowError]) -> None:
        self.problems = problems
        super().__init__(f"{len(problems)} invalid row(s); nothing was imported")


def _flag(raw: str | None, default: bool, name: str) -> bool:
    if raw is None or raw.strip() == "":
        return default
    lowered = raw.strip().lower()
    if lowered in ("true", "yes", "1"):
        return True
    if lowered in ("false", "no", "0"):
        return False
    raise InvalidParameter(f"{name} must be true or false, not {raw!r}")


def micros(raw: str | None, name: str) -> int:
    """A price such as 499 or 0.5 as integer micro-units."""
    if raw is None or raw.strip() == "":
        return 0
    try:
        value = Decimal(raw.strip())
    except InvalidOperation as error:
        raise InvalidParameter(f"{name} must be a decimal number, not {raw!r}") from error
    if value < 0 or value.as_tuple().exponent < -6 or value >= 10**12:  # type: ignore[operator]
        raise InvalidParameter(f"{name} must be a non-negative amount with at most six decimals, not {raw!r}")
    return int(value * 1_000_000)


def validate_row(row: Mapping[str, str | None]) -> dict[str, Any]:
    """One CSV row as column values, or InvalidParameter saying what is wrong."""
    if None in row:  # csv.DictReader files values beyond the header's columns under None
        raise InvalidParameter("more values than the header has columns")
    missing = [name for name in REQUIRED if not (row.get(name) or "").strip()]
    if missing:
        raise InvalidParameter(f"missing {', '.join(missing)}")
    e164 = to_e164(row["phone_number"] or "", "IN")
    cluster = (row["cluster"] or "").strip().lower()
    if cluster not in CLUSTERS:
        raise InvalidParameter(f"cluster {row['cluster']!r} is not one of {', '.join(CLUSTERS)}")
    number_type = parse_number_type((row["type"] or "").strip())
    if not type_matches(e164, number_type):
        raise InvalidParameter(f"{e164} is not a {number_type} number")
    country = country_of(e164)
    region = (row.get("region") or "").strip().upper() or country
    if country == "IN" and region not in INDIAN_CIRCLES:
        raise InvalidParameter(f"region {region!r} is not an Indian telecom circle")
    currency = (row.get("currency") or "").strip().upper() or CURRENCIES.get(country, "USD")
    if len(currency) != 3 or not currency.isalpha():
        raise InvalidParameter(f"currency {currency!r} is not a three-letter code")
    return {
        "phone_number": e164, "cluster": cluster, "number_type": number_type, "country": country,
        "region": region, "voice": _flag(row.get("voice"), True, "voice"), "sms": _flag(row.get("sms"), False, "sms"),
        "rental_price_micros": micros(row.get("rental_price"), "rental_price"),
        "one_time_price_micros": micros(row.get("one_time_price"), "one_time_price"),
        "incoming_rate_micros": micros(row.get("incoming_rate"), "incoming_rate"), "currency": currency,
    }


def validate_rows(
    rows: Iterable[tuple[int, Mapping[str, str | None]]],
) -> tuple[list[tuple[int, dict[str, Any]]], list[RowError]]:
    """Every row checked, including numbers repeated within the file."""
    valid, problems, seen = [], [], {}
    for line, row in rows:
        try:
            values = validate_row(row)
        except InvalidParameter as error:
            problems.append(RowError(line, error.message))
            continue
        first = seen.setdefault(values["phone_number"], line)
        if first != line:
            problems.append(RowError(line, f"{values['phone_number']} repeats line {first}"))
            continue
        valid.append((line, values))
    return valid, problems


def existing_numbers(conn: Connection, numbers: list[str]) -> set[str]:
    found: set[str] = set()
    for chunk in _chunks(numbers, 900):
        found.update(conn.execute(select(PhoneNumber.phone_number).where(PhoneNumber.phone_number.in_(chunk))).scalars())
    return found


def import_numbers(
    conn: Connection, now: datetime, rows: Iterable[tuple[int, Mapping[str, str | None]]],
    progress: Callable[[int], None] | None = None,
) -> int:
    """Add valid rows to the pool, all or nothing; ImportRejected lists every bad row."""
    valid, problems = validate_rows(rows)
    lines = {values["phone_number"]: line for line, values in valid}
    taken = existing_numbers(conn, list(lines))
    problems += [RowError(lines[number], f"{number} is already in the database") for number in taken]
    if problems:
        raise ImportRejected(sorted(problems, key=lambda problem: problem.line))
    for batch in _chunks([values for _, values in valid], BATCH):
        conn.execute(insert(PhoneNumber), [_pool_row(values, now) for values in batch])
        if progress:
            progress(len(batch))
    return len(valid)


def _pool_row(values: dict[str, Any], now: datetime) -> dict[str, Any]:
    return {**values, "sid": new_sid(), "state": NumberState.AVAILABLE.value, "free_at": now,
            "created_at": now, "account_id": None, "friendly_name": None, "voice_url": None,
            "sms_url": None, "date_created": None, "date_updated": None}


def _chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


__all__ = ["COLUMNS", "NUMBER_TYPES", "ImportRejected", "RowError", "import_numbers", "validate_row"]
