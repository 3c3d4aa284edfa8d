"""Database tables, as SQLAlchemy 2.0 typed models. Only portable column types."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, MetaData, String, Text, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Account(Base):
    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sid: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    cluster: Mapped[str] = mapped_column(String(8))
    country: Mapped[str] = mapped_column(String(2), default="IN")
    status: Mapped[str] = mapped_column(String(16), default="active")
    created_at: Mapped[datetime]
    # The ordinal the next purchase takes; bumping it also makes one account's purchases take turns.
    next_ordinal: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class ApiKey(Base):
    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    token_hmac: Mapped[str] = mapped_column(String(64))
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    label: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class PhoneNumber(Base):
    """A number of the pool; owned by an account while active.

    `free_at` is when the number may next be bought: the import time for pool numbers, the end
    of aging for released ones, NULL while owned or being released. Availability is derived
    from it, so aging ends without any job.
    """

    __tablename__ = "phone_numbers"
    __table_args__ = (
        # Held numbers only, in listing order; id last so a page's ids come from the index alone.
        # Queries must repeat `state = 'active'` literally: SQLite uses a partial index only then.
        Index("ix_phone_numbers_listing", "account_id", "ordinal", "id",
              sqlite_where=text("state = 'active'"), postgresql_where=text("state = 'active'")),
        Index("ix_phone_numbers_search", "cluster", "country", "number_type", "free_at"),
        Index("ix_phone_numbers_by_number", "cluster", "country", "number_type", "phone_number"),
        Index("ix_phone_numbers_by_region", "cluster", "country", "number_type", "region", "phone_number"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sid: Mapped[str] = mapped_column(String(32), unique=True)
    phone_number: Mapped[str] = mapped_column(String(20), unique=True)
    country: Mapped[str] = mapped_column(String(2))
    region: Mapped[str] = mapped_column(String(8))
    number_type: Mapped[str] = mapped_column(String(16))
    voice: Mapped[bool] = mapped_column(default=True)
    sms: Mapped[bool] = mapped_column(default=False)
    rental_price_micros: Mapped[int] = mapped_column(BigInteger, default=0)
    one_time_price_micros: Mapped[int] = mapped_column(BigInteger, default=0)
    incoming_rate_micros: Mapped[int] = mapped_column(BigInteger, default=0)
    currency: Mapped[str] = mapped_column(String(3), default="INR")
    cluster: Mapped[str] = mapped_column(String(8))
    state: Mapped[str] = mapped_column(String(16), index=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    friendly_name: Mapped[str | None] = mapped_column(String(64))
    voice_url: Mapped[str | None] = mapped_column(Text)
    sms_url: Mapped[str | None] = mapped_column(Text)
    free_at: Mapped[datetime | None]
    date_created: Mapped[datetime | None]
    date_updated: Mapped[datetime | None]
    created_at: Mapped[datetime]
    # The place in its account's listing (purchase order), given at purchase; kept after release.
    ordinal: Mapped[int | None] = mapped_column(Integer)


class ListingBucket(Base):
    """How many numbers an account holds among the ordinals [bucket * size, (bucket + 1) * size).

    A deep page adds these up to find where its offset falls, instead of walking every entry before it.
    """

    __tablename__ = "listing_buckets"

    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), primary_key=True)
    bucket: Mapped[int] = mapped_column(Integer, primary_key=True)
    # A bucket's count is spread over several rows (ordinal % SLOTS), so concurrent changes of
    # neighbouring numbers do not queue on one row's lock; a bucket's count is their sum.
    slot: Mapped[int] = mapped_column(Integer, primary_key=True, server_default="0")
    active: Mapped[int] = mapped_column(Integer)


class ReleaseJob(Base):
    """One release of one number: a row a worker claims, runs against the carrier, and finishes."""

    __tablename__ = "release_jobs"
    __table_args__ = (Index("ix_release_jobs_due", "state", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sid: Mapped[str] = mapped_column(String(32), unique=True)
    number_id: Mapped[int] = mapped_column(ForeignKey("phone_numbers.id"), index=True)
    phone_number: Mapped[str] = mapped_column(String(20))
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    state: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # When the job is next due; NULL while it waits for a carrier that answers by itself.
    next_attempt_at: Mapped[datetime | None]
    lease_until: Mapped[datetime | None]
    worker: Mapped[str | None] = mapped_column(String(64))
    last_error: Mapped[str | None] = mapped_column(Text)
    request_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    completed_at: Mapped[datetime | None]


class Event(Base):
    """The append-only log: what changed, when, by whom, under which request."""

    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_account", "account_id", "id"),
        Index("ix_events_number", "number_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(64))
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    number_id: Mapped[int | None] = mapped_column(ForeignKey("phone_numbers.id"))
    phone_number: Mapped[str | None] = mapped_column(String(20))
    number_sid: Mapped[str | None] = mapped_column(String(32))
    api_key: Mapped[str | None] = mapped_column(String(64))
    actor: Mapped[str | None] = mapped_column(String(325))  # "user:" and an email of up to 320 characters
    request_id: Mapped[str | None] = mapped_column(String(64))
    # An event without data stores SQL NULL, not the JSON text 'null' (nor the cost of writing it).
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))


class IdempotencyRecord(Base):
    """The first answer to a request carrying an Idempotency-Key, replayed for 24 hours."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (Index("uq_idempotency_keys_account_key", "account_id", "key", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    key: Mapped[str] = mapped_column(String(255))
    request_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(index=True)


class User(Base):
    """A person who logs in to the dashboard: of one account, or (an operator, of no account) of them all."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), index=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]
    # Sessions issued before this moment are void: how logging out works with signed cookies.
    sessions_valid_after: Mapped[datetime | None]
    operator: Mapped[bool] = mapped_column(default=False, server_default=text("false"))


class Operator(Base):
    """Who runs the service: an operator token opens the admin API. Only an HMAC of the token is stored."""

    __tablename__ = "operators"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    token_hmac: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class InstanceValue(Base):
    """A value every process using this database must agree on, written once (the secret key, the mode)."""

    __tablename__ = "instance"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]


class LoginThrottle(Base):
    """Dashboard log-in attempts for one email (by an HMAC of it, known to exopool or not).

    An attempt is counted before its password is checked; a right password clears the count.
    """

    __tablename__ = "login_throttles"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    locked_until: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(index=True)


class WebhookEndpoint(Base):
    """Where an account's number events are sent, signed with the endpoint's secret.

    An operator's endpoint (registered through the admin API) has no account and is sent the
    events of every account.

    The secret is kept encrypted with the instance's secret key: it must be read back to sign.
    `failing_since` is the first failure since the last success; past the retry period the endpoint
    is disabled, and `disabled_reason` says why.
    """

    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sid: Mapped[str] = mapped_column(String(40), unique=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), index=True)
    url: Mapped[str] = mapped_column(Text)
    events: Mapped[str] = mapped_column(Text)  # comma-separated event types
    secret_sealed: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16))
    failing_since: Mapped[datetime | None]
    disabled_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class WebhookDelivery(Base):
    """One event for one endpoint: an outbox row, written in the transaction of the change it tells of.

    `sid` is the webhook-id a receiver sees, the same at every attempt. A delivery waits while an
    earlier delivery of the same number to the same endpoint is unfinished, so a number's events
    arrive in order.
    """

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        Index("ix_webhook_deliveries_due", "state", "next_attempt_at"),
        Index("ix_webhook_deliveries_number", "endpoint_id", "number_id", "state"),
        Index("ix_webhook_deliveries_endpoint", "endpoint_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sid: Mapped[str] = mapped_column(String(40), unique=True)
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoints.id"))
    number_id: Mapped[int | None] = mapped_column(ForeignKey("phone_numbers.id"))
    event_type: Mapped[str] = mapped_column(String(64))
    payload: Mapped[str] = mapped_column(Text)  # the body, as signed and sent at every attempt
    state: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]
    lease_until: Mapped[datetime | None]
    worker: Mapped[str | None] = mapped_column(String(64))
    last_status: Mapped[int | None] = mapped_column(Integer)
    last_response: Mapped[str | None] = mapped_column(Text)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    delivered_at: Mapped[datetime | None]


class WebhookAttempt(Base):
    """One attempt of one delivery, as sent and as answered."""

    __tablename__ = "webhook_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("webhook_deliveries.id"), index=True)
    attempt: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime]
    webhook_timestamp: Mapped[str] = mapped_column(String(20))
    signature: Mapped[str] = mapped_column(String(200))
    status: Mapped[int | None] = mapped_column(Integer)
    response: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    duration_ms: Mapped[int] = mapped_column(Integer)
