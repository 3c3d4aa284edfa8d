"""The phone-number use-cases: purchase, list, get, update, release."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import BigInteger, Connection, Row, and_, bindparam, null, select, update
from sqlalchemy.sql import ColumnElement

from exopool.clock import Clock
from exopool.db import Prepared, execute, first, one, rows
from exopool.entities import Actor, Number, Page
from exopool.errors import (
    InvalidParameter,
    MissingParameter,
    NumberAlreadyHeld,
    NumberNotAvailable,
    PhoneNumberNotFound,
)
from exopool.ids import is_sid, new_sid
from exopool.lifecycle import NumberState, sources_of
from exopool.models import Account, Event, PhoneNumber
from exopool.phone import looks_like_number, national_form, to_e164
from exopool.services.events import record_event
from exopool.services.listing import HELD, count_in, count_out, page_bounds, take_ordinal
from exopool.services.releases import queue_release
from exopool.text import storable_text

MAX_FRIENDLY_NAME = 64
MAX_URL = 2048
UNSET: Any = object()

NUMBER_COLUMNS = (
    PhoneNumber.id, PhoneNumber.sid, PhoneNumber.phone_number, PhoneNumber.friendly_name,
    PhoneNumber.voice, PhoneNumber.sms, PhoneNumber.country, PhoneNumber.region,
    PhoneNumber.number_type, PhoneNumber.voice_url, PhoneNumber.sms_url,
    PhoneNumber.rental_price_micros, PhoneNumber.one_time_price_micros,
    PhoneNumber.incoming_rate_micros, PhoneNumber.currency, PhoneNumber.state,
    PhoneNumber.date_created, PhoneNumber.date_updated,
)


def to_number(row: Row[Any], account_sid: str | None) -> Number:
    return Number(
        row.id, row.sid, account_sid, row.phone_number, row.friendly_name, row.voice, row.sms,
        row.country, row.region, row.number_type, row.voice_url, row.sms_url,
        row.rental_price_micros, row.one_time_price_micros, row.incoming_rate_micros,
        row.currency, row.state, row.date_created, row.date_updated,
    )


def validate_url(field: str, value: str | None) -> str | None:
    """An absolute http(s) URL, or None for an empty value (which clears a route)."""
    if value is None or value == "":
        return None
    storable_text(field, value)
    try:
        parts = urlsplit(value)
    except ValueError:  # e.g. an unclosed "[" of an IPv6 host
        parts = urlsplit("")
    controls = any(ord(c) <= 0x20 or 0x7F <= ord(c) <= 0x9F for c in value)
    if parts.scheme not in ("http", "https") or not parts.netloc or len(value) > MAX_URL or controls:
        raise InvalidParameter(field, f"{value!r} must be an absolute http or https URL")
    return value


def validate_friendly_name(value: str | None) -> str | None:
    if value is not None and len(storable_text("friendly_name", value)) > MAX_FRIENDLY_NAME:
        raise InvalidParameter("friendly_name", f"must be at most {MAX_FRIENDLY_NAME} characters")
    return value or None


def named_by(actor: Actor, ref: str) -> tuple[str, str]:
    """Which column names the number ("sid" or "phone_number") and its value; not found for neither."""
    if is_sid(ref):
        return "sid", ref
    if looks_like_number(ref):
        try:
            return "phone_number", to_e164(ref, actor.country)
        except InvalidParameter:
            pass
    raise PhoneNumberNotFound(ref)


def owned_by(actor: Actor, ref: str) -> ColumnElement[bool]:
    """The number an account holds, named by its sid or by the number itself in any form."""
    column, value = named_by(actor, ref)
    owner = and_(PhoneNumber.account_id == actor.account_id, PhoneNumber.state == NumberState.ACTIVE.value)
    return and_(getattr(PhoneNumber, column) == value, owner)


def _owned(column: str) -> ColumnElement[bool]:
    """owned_by with bind parameters, for the per-request statements prepared once."""
    return and_(getattr(PhoneNumber, column) == bindparam("b_ref"), PhoneNumber.account_id == bindparam("b_account"),
                PhoneNumber.state == NumberState.ACTIVE.value)


_GET = {column: Prepared(select(*NUMBER_COLUMNS).where(_owned(column))) for column in ("sid", "phone_number")}
_RELEASE = {
    column: Prepared(
        update(PhoneNumber).where(_owned(column))
        # free_at is already NULL while a number is owned; leaving it out of the SET spares SQLite the
        # rewrite of every index that holds it. NULL is written in the SQL, not bound: Python's sqlite3
        # looks for an adapter for each None it binds, raising and formatting two AttributeErrors.
        # The name and URLs stay until the number is bought again, so that a restore gives them back.
        .values(state=NumberState.RELEASING.value, account_id=null(), date_updated=bindparam("b_now"))
        .returning(PhoneNumber.id, PhoneNumber.sid, PhoneNumber.phone_number, PhoneNumber.ordinal)
    )
    for column in ("sid", "phone_number")
}


def _page_of(start: Any, skip: Any) -> Prepared:
    """The page's ids from the covering listing index alone, then only the page's own rows."""
    return Prepared(
        select(*NUMBER_COLUMNS).where(PhoneNumber.id.in_(
            select(PhoneNumber.id)
            .where(PhoneNumber.account_id == bindparam("b_account"), HELD, PhoneNumber.ordinal >= start)
            .order_by(PhoneNumber.ordinal).limit(bindparam("b_limit")).offset(skip).scalar_subquery()
        )).order_by(PhoneNumber.ordinal)
    )


_FIRST_PAGE = _page_of(0, 0)
# A bigint: Page * PageSize passes 2**31 within the documented limits, PostgreSQL's integer's range.
_PAGE = _page_of(*page_bounds(bindparam("b_account"), bindparam("b_offset", type_=BigInteger)))


def get_phone_number(conn: Connection, actor: Actor, ref: str) -> Number:
    column, value = named_by(actor, ref)
    row = first(conn, _GET[column], b_ref=value, b_account=actor.account_id)
    if row is None:
        raise PhoneNumberNotFound(ref)
    return to_number(row, actor.account_sid)


def list_phone_numbers(
    conn: Connection, actor: Actor, page: int = 0, page_size: int = 50,
    *, phone_number: str | None = None, friendly_name: str | None = None,
) -> Page:
    """The account's numbers in order of purchase, one page at a time.

    The bucket counts say from which ordinal to read and how many entries to skip there (fewer
    than a bucket's worth), so a deep page costs about what a shallow one does. The page's ids
    come from the covering listing index alone; only the page's own rows are then read.
    """
    if phone_number or friendly_name:
        found = _filtered(conn, actor, page, page_size, phone_number, friendly_name)
    else:
        found = rows(conn, _PAGE if page else _FIRST_PAGE, b_account=actor.account_id, b_offset=page * page_size,
                     b_limit=page_size + 1)
    items = [to_number(row, actor.account_sid) for row in found[:page_size]]
    return Page(items, page, page_size, has_next=len(found) > page_size)


def _filtered(conn: Connection, actor: Actor, page: int, page_size: int, phone_number: str | None,
              friendly_name: str | None) -> list[Any]:
    """A filtered page by plain OFFSET: the filters leave at most a few numbers to skip."""
    ids = (select(PhoneNumber.id).where(PhoneNumber.account_id == actor.account_id, HELD)
           .order_by(PhoneNumber.ordinal).limit(page_size + 1).offset(page * page_size))
    if phone_number:
        ids = ids.where(PhoneNumber.phone_number == to_e164(phone_number, actor.country))
    if friendly_name:
        ids = ids.where(PhoneNumber.friendly_name == storable_text("friendly_name", friendly_name))
    return rows(conn, select(*NUMBER_COLUMNS).where(PhoneNumber.id.in_(ids.scalar_subquery()))
                .order_by(PhoneNumber.ordinal))


_BUY = (
    update(PhoneNumber)
    .where(
        PhoneNumber.phone_number == bindparam("b_e164"),
        PhoneNumber.cluster == bindparam("b_cluster"),
        PhoneNumber.state.in_(sources_of(NumberState.ACTIVE)),
        PhoneNumber.free_at <= bindparam("b_now"),
    )
    .returning(PhoneNumber.id)
)


Refusal = Callable[[str], None]  # raises the error a purchase of this E.164 number must answer with


def purchase_phone_number(
    conn: Connection, clock: Clock, actor: Actor, phone_number: str | None,
    *, voice_url: str | None = None, sms_url: str | None = None, friendly_name: str | None = None,
    refusal: Refusal | None = None,
) -> Number:
    """Move a number from the cluster's pool to the account, in one conditional UPDATE.

    refusal: checked first, with the number's E.164 form (the sandbox's magic numbers).
    The ordinal is taken first, as taking it after would need a second UPDATE of the number; a
    failed purchase rolls it back (and a gap would do no harm: ordinals only have to increase).
    """
    if not phone_number:
        raise MissingParameter("phone_number")
    e164 = to_e164(phone_number, actor.country)
    if refusal is not None:
        refusal(e164)
    values = {
        "voice_url": validate_url("voice_url", voice_url),
        "sms_url": validate_url("sms_url", sms_url),
        "friendly_name": validate_friendly_name(friendly_name) or national_form(e164),
    }
    assert actor.account_id is not None, "only an account holds numbers"
    now = clock.now()
    ordinal = take_ordinal(conn, actor.account_id)
    bought = first(conn, _BUY.values(state=NumberState.ACTIVE.value, account_id=actor.account_id, sid=new_sid(),
                                     ordinal=ordinal, date_created=now, date_updated=now, free_at=None, **values),
                   b_e164=e164, b_cluster=actor.cluster, b_now=now)
    if bought is None:
        _explain_unavailable(conn, actor, e164, now)
    count_in(conn, actor.account_id, ordinal)
    number = get_phone_number_by_id(conn, actor, bought.id)
    record_event(conn, now, "number.purchased", actor, number_id=number.id, phone_number=e164,
                 number_sid=number.sid, data=values)
    return number


def _explain_unavailable(conn: Connection, actor: Actor, e164: str, now: Any) -> None:
    found = first(conn, select(PhoneNumber.account_id, PhoneNumber.state, PhoneNumber.cluster, PhoneNumber.free_at)
                  .where(PhoneNumber.phone_number == e164))
    if found is not None and found.account_id == actor.account_id and found.state == NumberState.ACTIVE:
        raise NumberAlreadyHeld(e164, actor.account_sid or "")
    aging = found is not None and found.cluster == actor.cluster and found.free_at is not None and found.free_at > now
    raise NumberNotAvailable(e164, actor.cluster, aging_until=found.free_at if aging else None)


def get_phone_number_by_id(conn: Connection, actor: Actor, number_id: int) -> Number:
    return to_number(one(conn, select(*NUMBER_COLUMNS).where(PhoneNumber.id == number_id)), actor.account_sid)


def update_phone_number(
    conn: Connection, clock: Clock, actor: Actor, ref: str,
    *, voice_url: str | None = UNSET, sms_url: str | None = UNSET, friendly_name: str | None = UNSET,
) -> Number:
    """Change a number's routing or name; parameters left out stay as they are."""
    changes: dict[str, Any] = {}
    if voice_url is not UNSET:
        changes["voice_url"] = validate_url("voice_url", voice_url)
    if sms_url is not UNSET:
        changes["sms_url"] = validate_url("sms_url", sms_url)
    if friendly_name is not UNSET:
        changes["friendly_name"] = validate_friendly_name(friendly_name)
    now = clock.now()
    current = first(conn, select(*NUMBER_COLUMNS).where(owned_by(actor, ref)))
    if current is None:
        raise PhoneNumberNotFound(ref)
    if changes.get("friendly_name", "") is None:
        changes["friendly_name"] = national_form(current.phone_number)
    done = execute(conn, update(PhoneNumber).where(PhoneNumber.id == current.id, owned_by(actor, current.sid))
                   .values(date_updated=now, **changes))
    if done != 1:
        raise PhoneNumberNotFound(ref)
    record_event(conn, now, "number.updated", actor, number_id=current.id,
                 phone_number=current.phone_number, number_sid=current.sid, data=changes)
    return get_phone_number_by_id(conn, actor, current.id)


def release_phone_number(conn: Connection, clock: Clock, actor: Actor, ref: str) -> str:
    """Take a number from its account at once and queue its release; the release job's sid."""
    assert actor.account_id is not None, "only an account holds numbers"
    column, value = named_by(actor, ref)
    now = clock.now()
    released = first(conn, _RELEASE[column], b_ref=value, b_account=actor.account_id, b_now=now)
    if released is None:
        raise PhoneNumberNotFound(ref)
    record_event(conn, now, "number.release_accepted", actor, number_id=released.id,
                 phone_number=released.phone_number, number_sid=released.sid)
    job = queue_release(conn, now, actor, released.id, released.sid, released.phone_number)
    # Last: on PostgreSQL the bucket's row stays locked until commit, and releases of one bucket queue on it.
    count_out(conn, actor.account_id, released.ordinal)
    return job


def explain_missing_number(conn: Connection, account_sid: str, ref: str) -> str:
    """Why account_sid holds no number ref, in a sentence: for a sandbox, which may explain a near miss."""
    account = first(conn, select(Account.id, Account.country).where(Account.sid == account_sid))
    if account is None:
        return f"there is no account {account_sid}"
    try:
        column, value = named_by(Actor(account.id, account_sid, country=account.country), ref)
    except PhoneNumberNotFound:
        return f"{ref!r} is neither a number's sid (32 hex characters) nor a phone number"
    found = first(conn, select(PhoneNumber.id, PhoneNumber.account_id, PhoneNumber.state)
                  .where(getattr(PhoneNumber, column) == value))
    named = getattr(Event, "number_sid" if column == "sid" else column) == value
    released = first(conn, select(Event.id).where(Event.kind == "number.release_accepted",
                                                  Event.account_id == account.id, named))
    if found is not None and found.account_id not in (None, account.id):
        return "it belongs to another account"
    if released is not None:
        return "this account released it"
    if found is not None:
        return "it is in the pool, not held by this account: buy it first"
    return "no number has this sid" if column == "sid" else "this number is not in exopool's pool"
