"""Filling a cluster's pool: validate every row, then insert all of them or none."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from itertools import islice
from operator import itemgetter
from typing import Any, TextIO

from sqlalchemy import Connection, Table

from exopool.config import CLUSTERS
from exopool.db.dialects import bulk_insert, existing_numbers
from exopool.entities import Actor
from exopool.errors import BadRequest, InvalidParameter
from exopool.flags import parse_flag
from exopool.ids import new_sid
from exopool.lifecycle import NumberState
from exopool.models import PhoneNumber
from exopool.phone import INDIAN_CIRCLES, NUMBER_TYPES, classify, parse_number_type
from exopool.services.events import record_event
from exopool.text import bounded_text

MAX_REGION = 8  # phone_numbers.region's length
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

    status = 422

    def __init__(self, problems: list[RowError]) -> None:
        self.problems = problems
        super().__init__(f"{len(problems)} invalid row(s); nothing was imported")


def csv_rows(handle: TextIO) -> Iterator[tuple[int, dict[str, str | None]]]:
    """A CSV file's rows with their line numbers (the header is line 1); a header we cannot use stops at once.

    A file that is not CSV, or not UTF-8, is a BadRequest when its bad part is reached.
    """
    reader = csv.DictReader(handle)
    try:
        reader.fieldnames = check_header(reader.fieldnames)
        for row in reader:
            yield reader.line_num, row
    except (UnicodeDecodeError, csv.Error) as error:
        raise BadRequest(f"The file is not a UTF-8 CSV file: {error}") from error


def check_header(names: Sequence[str] | None) -> list[str]:
    """The header's column names, normalised; every unknown or missing column named in one error."""
    if not names:
        raise InvalidParameter(None, f"the file is empty: its first line must name the columns ({', '.join(COLUMNS)})")
    columns = [name.strip().lower() for name in names]
    unknown = [name for name in columns if name not in COLUMNS]
    if unknown:
        raise InvalidParameter(None, f"unknown column(s): {', '.join(unknown)}; the columns are {', '.join(COLUMNS)}")
    missing = [name for name in REQUIRED if name not in columns]
    if missing:
        raise InvalidParameter(None, f"missing required column(s): {', '.join(missing)}")
    return columns


def _flag(raw: str | None, default: bool, name: str) -> bool:
    if raw is None or raw.strip() == "":
        return default
    return parse_flag(name, raw)


def micros(raw: str | None, name: str) -> int:
    """A price such as 499 or 0.5 as integer micro-units."""
    if raw is None or raw.strip() == "":
        return 0
    try:
        value = Decimal(raw.strip())
    except InvalidOperation as error:
        raise InvalidParameter(name, f"must be a decimal number, not {raw!r}") from error
    if not value.is_finite() or value < 0 or int(value.as_tuple().exponent) < -6 or value >= 10**12:
        raise InvalidParameter(name, f"must be a non-negative amount with at most six decimals, not {raw!r}")
    return int(value * 1_000_000)


def validate_row(row: Mapping[str, str | None]) -> dict[str, Any]:
    """One CSV row as column values, or InvalidParameter naming every reason it is wrong."""
    if None in row:  # csv.DictReader files values beyond the header's columns under None
        raise InvalidParameter(None, "more values than the header has columns")
    reasons: list[str] = []

    def check(work: Callable[..., Any], *args: Any) -> Any:
        try:
            return work(*args)
        except InvalidParameter as error:
            reasons.append(error.message)
            return None

    missing = [name for name in REQUIRED if not (row.get(name) or "").strip()]
    if missing:
        reasons.append(f"missing {', '.join(missing)}")
    cluster = check(_cluster, row["cluster"]) if "cluster" not in missing else None
    number_type = check(parse_number_type, (row["type"] or "").strip()) if "type" not in missing else None
    e164, country = (check(classify, row["phone_number"] or "", number_type, "IN") or (None, None)) \
        if number_type and "phone_number" not in missing else (None, None)
    values = {
        "phone_number": e164, "cluster": cluster, "number_type": number_type, "country": country,
        "region": check(_region, row, country) if country else None,
        "voice": check(_flag, row.get("voice"), True, "voice"), "sms": check(_flag, row.get("sms"), False, "sms"),
        "rental_price_micros": check(micros, row.get("rental_price"), "rental_price"),
        "one_time_price_micros": check(micros, row.get("one_time_price"), "one_time_price"),
        "incoming_rate_micros": check(micros, row.get("incoming_rate"), "incoming_rate"),
        "currency": check(_currency, row.get("currency"), country),
    }
    if reasons:
        raise InvalidParameter(None, "; ".join(reasons))
    return values


def _cluster(raw: str | None) -> str:
    cluster = (raw or "").strip().lower()
    if cluster not in CLUSTERS:
        raise InvalidParameter("cluster", f"{raw!r} is not one of {', '.join(CLUSTERS)}")
    return cluster


def _region(row: Mapping[str, str | None], country: str) -> str:
    """The row's region: for an Indian number its telecom circle, which it must name; else a code of its own
    (the country code by default)."""
    if "region" not in row and country == "IN":
        raise InvalidParameter("region", "is missing: the file has no region column, and an Indian number needs "
                                         "its telecom circle")
    region = (row.get("region") or "").strip().upper()
    if country == "IN" and not region:
        raise InvalidParameter("region", "is empty: an Indian number needs its telecom circle")
    if country == "IN" and region not in INDIAN_CIRCLES:
        raise InvalidParameter("region", f"{region!r} is not an Indian telecom circle")
    return bounded_text("region", region or country, MAX_REGION)


def _currency(raw: str | None, country: str | None) -> str:
    currency = (raw or "").strip().upper() or CURRENCIES.get(country or "", "USD")
    if len(currency) != 3 or not currency.isalpha():
        raise InvalidParameter("currency", f"{currency!r} is not a three-letter code")
    return currency


def import_numbers(
    conn: Connection, now: datetime, rows: Iterable[tuple[int, Mapping[str, str | None]]],
    progress: Callable[[int], None] | None = None, batch_size: int = BATCH, actor: Actor | None = None,
) -> int:
    """Add valid rows to the pool, all or nothing; ImportRejected lists every bad row.

    Rows stream through in batches, so a million of them never sit in memory at once: each
    batch is checked (while the database still stores the one before), then bulk-inserted while
    no problem has been seen. A problem stops the inserting but not the checking, and the
    caller's transaction rolls the batches back.
    """
    checks = _Checks(_chunks(rows, batch_size))
    count = 0
    while (taken := checks.take()) is not None:
        size, checked = taken
        valid = _not_in_pool(conn, checked, checks.problems)
        if not checks.problems:
            count += bulk_insert(conn, POOL_TABLE, POOL_COLUMNS, (_pool_row(v, now) for v in valid),
                                 meanwhile=checks.check_next)
        if progress:
            progress(size)
    if checks.problems:
        raise ImportRejected(sorted(checks.problems, key=lambda problem: problem.line))
    if actor is not None:
        record_event(conn, now, "pool.imported", actor, data={"imported": count})
    return count


Checked = dict[str, tuple[int, dict[str, Any]]]  # a batch's valid rows by number: (line, column values)
_UNCHECKED = object()


class _Checks:
    """An import's rows, checked a batch at a time, and every problem found in them so far.

    The next batch can be checked while the database still stores the last one (bulk_insert's
    `meanwhile`): checking is Python's work, storing PostgreSQL's, and they overlap instead of
    taking turns.
    """

    def __init__(self, batches: Iterator[list[tuple[int, Mapping[str, str | None]]]]) -> None:
        self.problems: list[RowError] = []
        self._batches = batches
        self._seen: dict[str, int] = {}
        self._ahead: tuple[int, Checked] | object | None = _UNCHECKED

    def take(self) -> tuple[int, Checked] | None:
        """The next batch's size and valid rows; None after the last."""
        self.check_next()
        taken, self._ahead = self._ahead, _UNCHECKED
        assert taken is not _UNCHECKED
        return taken  # type: ignore[return-value]  # not _UNCHECKED, as asserted: what check_next put there

    def check_next(self) -> None:
        """Check the batch the next take() returns, unless that is done already."""
        if self._ahead is _UNCHECKED:
            batch = next(self._batches, None)
            self._ahead = None if batch is None else (len(batch), self._check(batch))

    def _check(self, batch: list[tuple[int, Mapping[str, str | None]]]) -> Checked:
        """The batch's valid rows; what is wrong with the others (including repeats) goes to problems."""
        valid: Checked = {}
        for line, row in batch:
            try:
                values = validate_row(row)
            except InvalidParameter as error:
                self.problems.append(RowError(line, error.message))
                continue
            first = self._seen.setdefault(values["phone_number"], line)
            if first != line:
                self.problems.append(RowError(line, f"{values['phone_number']} repeats line {first}"))
                continue
            valid[values["phone_number"]] = (line, values)
        return valid


def _not_in_pool(conn: Connection, checked: Checked, problems: list[RowError]) -> list[dict[str, Any]]:
    """The checked rows whose numbers the pool does not hold yet; the others go to problems."""
    for number in existing_numbers(conn, list(checked)):
        problems.append(RowError(checked.pop(number)[0], f"{number} is already in the database"))
    return [values for _, values in checked.values()]


POOL_TABLE: Table = PhoneNumber.__table__  # type: ignore[assignment]  # a declarative model's table is a Table
POOL_COLUMNS = ("sid", "phone_number", "country", "region", "number_type", "voice", "sms", "rental_price_micros",
                "one_time_price_micros", "incoming_rate_micros", "currency", "cluster", "state", "account_id",
                "friendly_name", "voice_url", "sms_url", "free_at", "date_created", "date_updated", "created_at")


_IN_COLUMN_ORDER = itemgetter(*POOL_COLUMNS)
_NOT_YET = {"state": NumberState.AVAILABLE.value, "account_id": None, "friendly_name": None, "voice_url": None,
            "sms_url": None, "date_created": None, "date_updated": None}


def _pool_row(values: dict[str, Any], now: datetime) -> tuple[Any, ...]:
    row: tuple[Any, ...] = _IN_COLUMN_ORDER({**values, **_NOT_YET, "sid": new_sid(), "free_at": now, "created_at": now})
    return row


def _chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


__all__ = ["COLUMNS", "NUMBER_TYPES", "ImportRejected", "RowError", "check_header", "csv_rows", "import_numbers",
           "validate_row"]
