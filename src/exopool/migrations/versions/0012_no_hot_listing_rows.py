"""listing counts spread over slots, and (on PostgreSQL) purchase ordinals from a sequence

Revision ID: 0012
Revises: 0011

Concurrent releases of neighbouring numbers all updated one listing_buckets row and queued on
its lock; each bucket's count is now spread over SLOTS rows (by ordinal), which listing adds up.
The rows as they are stay in slot 0, so every bucket's total is unchanged. On PostgreSQL a
purchase takes its ordinal from a sequence instead of its account's row, which every purchase of
the account locked until commit.
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("listing_buckets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("slot", sa.Integer(), nullable=False, server_default="0"))
        batch_op.drop_constraint("pk_listing_buckets", type_="primary")
        batch_op.create_primary_key("pk_listing_buckets", ["account_id", "bucket", "slot"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE SEQUENCE listing_ordinals MINVALUE 0 START 0")
        op.execute("SELECT setval('listing_ordinals', GREATEST((SELECT COALESCE(MAX(ordinal), -1) + 1 FROM "
                   "phone_numbers), (SELECT COALESCE(MAX(next_ordinal), 0) FROM accounts)), false)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("UPDATE accounts SET next_ordinal = (SELECT COALESCE(MAX(ordinal), -1) + 1 FROM phone_numbers "
                   "WHERE phone_numbers.account_id = accounts.id)")
        op.execute("DROP SEQUENCE listing_ordinals")
    op.execute("DELETE FROM listing_buckets WHERE slot <> 0")  # the counts of slot 0 are recounted next
    op.execute("DELETE FROM listing_buckets")
    op.execute("INSERT INTO listing_buckets (account_id, bucket, slot, active) SELECT account_id, ordinal / 1000, 0, "
               "count(*) FROM phone_numbers WHERE state = 'active' AND ordinal IS NOT NULL GROUP BY account_id, "
               "ordinal / 1000")
    with op.batch_alter_table("listing_buckets", schema=None) as batch_op:
        batch_op.drop_constraint("pk_listing_buckets", type_="primary")
        batch_op.create_primary_key("pk_listing_buckets", ["account_id", "bucket"])
        batch_op.drop_column("slot")
