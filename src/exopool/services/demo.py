"""Demo data: an account in each cluster, a key for each, a pool, and a few numbers bought.

The demo keys have fixed, published values so that every run prints working credentials;
they are meant for a local sandbox only.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import Connection, select

from exopool.clock import Clock
from exopool.db import first, scalar
from exopool.entities import Actor
from exopool.models import Account, PhoneNumber
from exopool.services.accounts import create_account
from exopool.services.api_keys import create_api_key
from exopool.services.available_numbers import is_free
from exopool.services.phone_numbers import purchase_phone_number
from exopool.services.pool import import_numbers
from exopool.services.users import create_user

# (cluster, E.164 prefix, type, circle, count): valid numbering ranges, so phonenumbers agrees.
POOLS = (
    ("in", "+9180483325", "Landline", "KA", 40),
    ("in", "+9122612340", "Landline", "MU", 20),
    ("in", "+9198450012", "Mobile", "KA", 20),
    ("in", "+9118004190", "TollFree", "DL", 5),
    ("sg", "+9111411100", "Landline", "DL", 40),
    ("sg", "+9144612300", "Landline", "TN", 20),
    ("sg", "+9198860012", "Mobile", "KA", 20),
)
DEMO_ACCOUNTS = (("demo_in", "Demo Mumbai", "in"), ("demo_sg", "Demo Singapore", "sg"))
BOUGHT_PER_ACCOUNT = 3
DEMO_PASSWORD = "exopool-demo"


@dataclass(frozen=True)
class DemoCredentials:
    sid: str
    cluster: str
    key: str
    token: str
    first_bought: str
    buyable: str


def demo_email(sid: str) -> str:
    """The dashboard login of a demo account (its password is DEMO_PASSWORD)."""
    return f"{sid}@example.com"


def demo_key(sid: str) -> tuple[str, str]:
    return f"{sid}_key", f"{sid}_token"


def pool_rows(pools: tuple[tuple[str, str, str, str, int], ...] = POOLS) -> Iterator[tuple[int, dict[str, str]]]:
    line = 1
    for cluster, prefix, kind, circle, count in pools:
        for i in range(count):
            line += 1
            yield line, {
                "phone_number": f"{prefix}{i:0{13 - len(prefix)}d}", "cluster": cluster, "type": kind,
                "region": circle, "sms": "true" if kind == "Mobile" else "false", "voice": "true",
                "rental_price": "0" if kind == "TollFree" else "499", "one_time_price": "999",
                "incoming_rate": "0.5",
            }


def seed_demo(conn: Connection, clock: Clock, secret: str) -> list[DemoCredentials] | None:
    """The demo's credentials: the demo data is created in an empty database, found in one that holds
    it; a database holding other data is left as it is (None)."""
    if first(conn, select(Account.id).where(Account.sid == DEMO_ACCOUNTS[0][0])) is None:
        if not _is_empty(conn):
            return None
        import_numbers(conn, clock.now(), pool_rows())
        for sid, name, cluster in DEMO_ACCOUNTS:
            _create_demo_account(conn, clock, secret, sid, name, cluster)
    return [_credentials(conn, clock, sid, cluster) for sid, _, cluster in DEMO_ACCOUNTS]


def _is_empty(conn: Connection) -> bool:
    return first(conn, select(Account.id).limit(1)) is None and first(conn, select(PhoneNumber.id).limit(1)) is None


def _create_demo_account(conn: Connection, clock: Clock, secret: str, sid: str, name: str, cluster: str) -> None:
    account = create_account(conn, clock, sid, name, cluster)
    key, token = demo_key(sid)
    create_api_key(conn, clock, secret, sid, "demo", key=key, token=token)
    create_user(conn, clock, sid, demo_email(sid), DEMO_PASSWORD)
    actor = Actor(account.id, sid, cluster, account.country, key, "demo")
    prefix = next(prefix for c, prefix, *_ in POOLS if c == cluster)
    for i in range(BOUGHT_PER_ACCOUNT):
        purchase_phone_number(conn, clock, actor, f"{prefix}{i:0{13 - len(prefix)}d}",
                              voice_url=f"https://example.com/{sid}/voice")


def _credentials(conn: Connection, clock: Clock, sid: str, cluster: str) -> DemoCredentials:
    owned = scalar(conn, select(PhoneNumber.sid).join(Account, Account.id == PhoneNumber.account_id)
                   .where(Account.sid == sid).order_by(PhoneNumber.ordinal).limit(1))
    buyable = scalar(conn, select(PhoneNumber.phone_number).where(PhoneNumber.cluster == cluster, is_free(clock.now()))
                     .order_by(PhoneNumber.phone_number).limit(1))
    key, token = demo_key(sid)
    return DemoCredentials(sid, cluster, key, token, owned or "<sid>", buyable or "<number>")
