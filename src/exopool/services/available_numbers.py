"""What a cluster's pool offers: countries, and a search within one country and type."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, and_, select
from sqlalchemy.sql import ColumnElement

from exopool.db import first, rows, scalars
from exopool.db.dialects import number_contains
from exopool.entities import Number
from exopool.errors import NotFound
from exopool.models import PhoneNumber
from exopool.services.phone_numbers import NUMBER_COLUMNS, to_number


@dataclass(frozen=True)
class Search:
    cluster: str
    country: str
    number_type: str
    sms: bool | None = None
    region: str | None = None
    contains: str | None = None
    page: int = 0
    page_size: int = 50


def is_free(now: datetime) -> ColumnElement[bool]:
    """Buyable: in the pool, or aging whose period is over (free_at is NULL while owned)."""
    return and_(PhoneNumber.free_at.is_not(None), PhoneNumber.free_at <= now)


def list_available_countries(conn: Connection, now: datetime, cluster: str) -> list[str]:
    """The countries with at least one buyable number in the cluster's pool."""
    query = (
        select(PhoneNumber.country).distinct()
        .where(PhoneNumber.cluster == cluster, is_free(now))
        .order_by(PhoneNumber.country)
    )
    return scalars(conn, query)


def get_available_country(conn: Connection, now: datetime, cluster: str, country: str) -> str:
    """The country, if the cluster's pool has a buyable number in it; NotFound otherwise."""
    query = select(PhoneNumber.id).where(PhoneNumber.cluster == cluster, PhoneNumber.country == country,
                                         is_free(now)).limit(1)
    if first(conn, query) is None:
        raise NotFound(f"No numbers available in {country}")
    return country


def search_available_numbers(conn: Connection, now: datetime, search: Search) -> list[Number]:
    """Buyable numbers matching the search, ordered by number."""
    query = (
        select(*NUMBER_COLUMNS)
        .where(PhoneNumber.cluster == search.cluster, PhoneNumber.country == search.country,
               PhoneNumber.number_type == search.number_type, is_free(now))
        .order_by(PhoneNumber.phone_number)
        .limit(search.page_size)
        .offset(search.page * search.page_size)
    )
    if search.sms is not None:
        query = query.where(PhoneNumber.sms == search.sms)
    if search.region:
        query = query.where(PhoneNumber.region == search.region)
    if search.contains:
        query = query.where(number_contains(conn, search.contains))
    return [to_number(row, None) for row in rows(conn, query)]
