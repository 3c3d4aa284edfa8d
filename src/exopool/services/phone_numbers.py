"""The phone-number use-cases: purchase, list, get, update, release."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Connection, Integer, Row, and_, bindparam, null, select, update
from sqlalchemy.sql import ColumnElement

from exopool.clock import Clock
from exopool.entities import Actor, Number, Page
from exopool.errors import Conflict, InvalidParameter, MissingParameter, NotFound, NumberNotAvailable
from exopool.ids import is_sid, new_sid
from exopool.lifecycle import NumberState, sources_of
from exopool.models import PhoneNumber
from exopool.phone import looks_like_number, national_form, to_e164
from exopool.services.events import record_event
from exopool.services.listing import HELD, count_in, count_out, page_bounds, take_ordinal
from exopool.services.releases import queue_release
from exopool.statements import Prepared
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


def validate_url(name: str, value: str | None) -> str | None:
    """An absolute http(s) URL, or None for an empty value (which clears a route)."""
    if value is None or value == "":
        return None
    storable_text(name, value)
    try:
        parts = urlsplit(value)
    except ValueError:  # e.g. an unclosed "[" of an IPv6 host
        parts = urlsplit("")
    controls = any(ord(c) <= 0x20 or 0x7F <= ord(c) <= 0x9F for c in value)
    if parts.scheme not in ("http", "https") or not parts.netloc or len(value) > MAX_URL or controls:
        raise InvalidParameter(f"{name} {value!r} must be an absolute http or https URL")
    return value


def validate_friendly_name(value: str | None) -> str | None:
    if value is not None and len(storable_text("FriendlyName", value)) > MAX_FRIENDLY_NAME:
        raise InvalidParameter(f"FriendlyName must be at most {MAX_FRIENDLY_NAME} characters")
    return value or None


def named_by(actor: Actor, ref: str) -> tuple[str, str]:
    """Which column names the number ("sid" or "phone_number") and its value; NotFound for neither."""
    if is_sid(ref):
        return "sid", ref
    if looks_like_number(ref):
        try:
            return "phone_number", to_e164(ref, actor.country)
        except InvalidParameter:
            pass
    raise NotFound(f"ExoPhone {ref} not found")


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
        .values(state=NumberState.RELEASING.value, account_id=null(), voice_url=null(), sms_url=null(),
                date_updated=bindparam("b_now"))
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
_PAGE = _page_of(*page_bounds(bindparam("b_account"), bindparam("b_offset", type_=Integer)))


def get_phone_number(conn: Connection, actor: Actor, ref: str) -> Number:
    column, value = named_by(actor, ref)
    row = _GET[column].first(conn, b_ref=value, b_account=actor.account_id)
    if row is None:
        raise NotFound(f"ExoPhone {ref} not found")
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
        rows = _filtered(conn, actor, page, page_size, phone_number, friendly_name)
    else:
        statement = _PAGE if page else _FIRST_PAGE
        rows = statement.rows(conn, b_account=actor.account_id, b_offset=page * page_size, b_limit=page_size + 1)
    items = [to_number(row, actor.account_sid) for row in rows[:page_size]]
    return Page(items, page, page_size, has_next=len(rows) > page_size)


def _filtered(conn: Connection, actor: Actor, page: int, page_size: int, phone_number: str | None,
              friendly_name: str | None) -> list[Any]:
    """A filtered page by plain OFFSET: the filters leave at most a few numbers to skip."""
    ids = (select(PhoneNumber.id).where(PhoneNumber.account_id == actor.account_id, HELD)
           .order_by(PhoneNumber.ordinal).limit(page_size + 1).offset(page * page_size))
    if phone_number:
        ids = ids.where(PhoneNumber.phone_number == to_e164(phone_number, actor.country))
    if friendly_name:
        ids = ids.where(PhoneNumber.friendly_name == storable_text("FriendlyName", friendly_name))
    query = select(*NUMBER_COLUMNS).where(PhoneNumber.id.in_(ids.scalar_subquery())).order_by(PhoneNumber.ordinal)
    return list(conn.execute(query))


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


def purchase_phone_number(
    conn: Connection, clock: Clock, actor: Actor, phone_number: str | None,
    *, voice_url: str | None = None, sms_url: str | None = None, friendly_name: str | None = None,
) -> Number:
    """Move a number from the cluster's pool to the account, in one conditional UPDATE.

    The ordinal is taken first, as taking it after would need a second UPDATE of the number; a
    failed purchase rolls it back (and a gap would do no harm: ordinals only have to increase).
    """
    if not phone_number:
        raise MissingParameter("PhoneNumber is required")
    e164 = to_e164(phone_number, actor.country)
    values = {
        "voice_url": validate_url("VoiceUrl", voice_url),
        "sms_url": validate_url("SMSUrl", sms_url),
        "friendly_name": validate_friendly_name(friendly_name) or national_form(e164),
    }
    now = clock.now()
    ordinal = take_ordinal(conn, actor.account_id)
    bought = conn.execute(
        _BUY.values(state=NumberState.ACTIVE.value, account_id=actor.account_id, sid=new_sid(), ordinal=ordinal,
                    date_created=now, date_updated=now, free_at=None, **values),
        {"b_e164": e164, "b_cluster": actor.cluster, "b_now": now},
    ).first()
    if bought is None:
        _explain_unavailable(conn, actor, e164)
    count_in(conn, actor.account_id, ordinal)
    number = get_phone_number_by_id(conn, actor, bought.id)
    record_event(conn, now, "number.purchased", actor, number_id=number.id, phone_number=e164,
                 number_sid=number.sid, data=values)
    return number


def _explain_unavailable(conn: Connection, actor: Actor, e164: str) -> None:
    owner = conn.execute(
        select(PhoneNumber.account_id, PhoneNumber.state).where(PhoneNumber.phone_number == e164)
    ).first()
    if owner is not None and owner.account_id == actor.account_id and owner.state == NumberState.ACTIVE:
        raise Conflict(f"PhoneNumber {e164} already belongs to account {actor.account_sid}")
    raise NumberNotAvailable(f"PhoneNumber {e164} is not available in cluster {actor.cluster}")


def get_phone_number_by_id(conn: Connection, actor: Actor, number_id: int) -> Number:
    row = conn.execute(select(*NUMBER_COLUMNS).where(PhoneNumber.id == number_id)).one()
    return to_number(row, actor.account_sid)


def update_phone_number(
    conn: Connection, clock: Clock, actor: Actor, ref: str,
    *, voice_url: str | None = UNSET, sms_url: str | None = UNSET, friendly_name: str | None = UNSET,
) -> Number:
    """Change a number's routing or name; parameters left out stay as they are."""
    changes: dict[str, Any] = {}
    if voice_url is not UNSET:
        changes["voice_url"] = validate_url("VoiceUrl", voice_url)
    if sms_url is not UNSET:
        changes["sms_url"] = validate_url("SMSUrl", sms_url)
    if friendly_name is not UNSET:
        changes["friendly_name"] = validate_friendly_name(friendly_name)
    now = clock.now()
    target = select(*NUMBER_COLUMNS).where(owned_by(actor, ref))
    current = conn.execute(target).first()
    if current is None:
        raise NotFound(f"ExoPhone {ref} not found")
    if changes.get("friendly_name", "") is None:
        changes["friendly_name"] = national_form(current.phone_number)
    done = conn.execute(
        update(PhoneNumber).where(PhoneNumber.id == current.id, owned_by(actor, current.sid))
        .values(date_updated=now, **changes)
    )
    if done.rowcount != 1:
        raise NotFound(f"ExoPhone {ref} not found")
    record_event(conn, now, "number.updated", actor, number_id=current.id,
                 phone_number=current.phone_number, number_sid=current.sid, data=changes)
    return get_phone_number_by_id(conn, actor, current.id)


def release_phone_number(conn: Connection, clock: Clock, actor: Actor, ref: str) -> str:
    """Take a number from its account at once and queue its release; the release job's sid."""
    column, value = named_by(actor, ref)
    now = clock.now()
    released = _RELEASE[column].first(conn, b_ref=value, b_account=actor.account_id, b_now=now)
    if released is None:
        raise NotFound(f"ExoPhone {ref} not found")
    record_event(conn, now, "number.release_accepted", actor, number_id=released.id,
                 phone_number=released.phone_number, number_sid=released.sid)
    job = queue_release(conn, now, actor, released.id, released.sid, released.phone_number)
    # Last: on PostgreSQL the bucket's row stays locked until commit, and releases of one bucket queue on it.
    count_out(conn, actor.account_id, released.ordinal)
    return job
