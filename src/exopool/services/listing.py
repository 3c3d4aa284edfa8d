"""Where a page of an account's numbers starts: purchase ordinals and per-bucket counts.

Each purchase gives the number its account's next ordinal, and listing_buckets counts the held
numbers of every BUCKET ordinals. A page finds the bucket its offset falls in by adding up
counts, then walks fewer than BUCKET index entries from the bucket's first ordinal, so page 2,000
of an account costs about what page 2 does.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, bindparam, delete, func, insert, literal_column, select, text, update

from exopool.db import Prepared, execute
from exopool.db.dialects import next_ordinal, ordinals_from
from exopool.models import Account, ListingBucket, PhoneNumber

BUCKET = 1000  # migration 0007 counted existing holdings with this size; changing it needs a recount
# Written out, not bound: SQLite uses the partial listing index only for a query repeating its term,
# and PostgreSQL cannot prove a generic plan's parameter matches it.
HELD = PhoneNumber.state == literal_column("'active'")

SLOTS = 16  # rows each bucket's count is spread over, so neighbouring numbers change different rows
# The same upsert text on SQLite and PostgreSQL.
_COUNT_IN = Prepared(text(
    "INSERT INTO listing_buckets (account_id, bucket, slot, active) VALUES (:b_account, :b_bucket, :b_slot, 1) "
    "ON CONFLICT (account_id, bucket, slot) DO UPDATE SET active = listing_buckets.active + 1"
))
_COUNT_OUT = Prepared(
    update(ListingBucket)
    .where(ListingBucket.account_id == bindparam("b_account"), ListingBucket.bucket == bindparam("b_bucket"),
           ListingBucket.slot == bindparam("b_slot"))
    .values(active=ListingBucket.active - 1)
)


def take_ordinal(conn: Connection, account_id: int) -> int:
    """The account's next ordinal, larger than every ordinal it gave before (dialects.next_ordinal)."""
    return next_ordinal(conn, account_id)


def count_in(conn: Connection, account_id: int, ordinal: int) -> None:
    """A number the account now holds, in its bucket's count."""
    execute(conn, _COUNT_IN, b_account=account_id, b_bucket=ordinal // BUCKET, b_slot=ordinal % SLOTS)


def count_out(conn: Connection, account_id: int, ordinal: int) -> None:
    """A number the account no longer holds, out of its bucket's count."""
    execute(conn, _COUNT_OUT, b_account=account_id, b_bucket=ordinal // BUCKET, b_slot=ordinal % SLOTS)


def page_bounds(account: Any, offset: Any) -> tuple[Any, Any]:
    """Where the page at offset starts, for a page read in one statement: the ordinal to read from and
    how many held numbers to skip there, as scalar subqueries over the account's bucket counts.

    One statement reads the counts and the page in one snapshot; as two statements under
    PostgreSQL's READ COMMITTED, a release committing between them could shift the page by one.
    """
    buckets = (select(ListingBucket.bucket, func.sum(ListingBucket.active).label("active"))
               .where(ListingBucket.account_id == account).group_by(ListingBucket.bucket).subquery())
    through = func.sum(buckets.c.active).over(order_by=buckets.c.bucket)
    counted = select(buckets.c.bucket, buckets.c.active, through.label("through")).subquery()
    start = (select((counted.c.bucket * literal_column(str(BUCKET))).label("ordinal"),
                    (offset - counted.c.through + counted.c.active).label("skip"))
             .where(counted.c.through > offset).order_by(counted.c.bucket).limit(1).subquery())
    # Past the last held number there is no start: no ordinal (no rows), and an OFFSET of 0, as
    # SQLite refuses a NULL one.
    return select(start.c.ordinal).scalar_subquery(), func.coalesce(select(start.c.skip).scalar_subquery(), 0)


def rebuild_listing(conn: Connection, account_id: int) -> int:
    """Number the account's held numbers 0, 1, ... in listing order and recount its buckets; how many.

    For bulk paths that hand numbers to an account with one UPDATE instead of a purchase each
    (benchmark set-ups): they leave ordinals unset, and numbers without one go last.
    """
    order = (PhoneNumber.ordinal.is_(None), PhoneNumber.ordinal, PhoneNumber.date_created, PhoneNumber.sid)
    ranked = (select(PhoneNumber.id, (func.row_number().over(order_by=order) - 1).label("position"))
              .where(PhoneNumber.account_id == account_id, HELD).subquery())
    held = execute(conn, update(PhoneNumber).where(PhoneNumber.id == ranked.c.id).values(ordinal=ranked.c.position))
    execute(conn, update(Account).where(Account.id == account_id).values(next_ordinal=held))
    ordinals_from(conn, held)
    execute(conn, delete(ListingBucket).where(ListingBucket.account_id == account_id))
    execute(conn, insert(ListingBucket).from_select(("account_id", "bucket", "slot", "active"),
                                                    _counts(account_id)))
    return held


def _counts(account_id: int) -> Any:
    # Literals, so GROUP BY repeats the expressions exactly.
    bucket = PhoneNumber.ordinal // literal_column(str(BUCKET))
    slot = PhoneNumber.ordinal % literal_column(str(SLOTS))
    return (select(PhoneNumber.account_id, bucket, slot, func.count())
            .where(PhoneNumber.account_id == account_id, HELD).group_by(PhoneNumber.account_id, bucket, slot))
