"""listing by per-account ordinals, with bucket counts for deep pages

Revision ID: 0007
Revises: 0006

Each purchase gives the number the account's next ordinal; listing_buckets counts the held
numbers per 1,000 ordinals, so a deep page finds where its offset falls by adding up at most
holdings / 1,000 counts and walks at most 1,000 index entries. Existing holdings are numbered in
their old listing order (date_created, sid). The bucket size is written out here, not imported:
if the application's ever changes, a new migration must recount.
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

BUCKET = 1000
HELD = "state = 'active'"

BACKFILL = [
    # UPDATE ... FROM: SQLite since 3.33, PostgreSQL always.
    "UPDATE phone_numbers SET ordinal = ranked.position FROM ("
    " SELECT id, ROW_NUMBER() OVER (PARTITION BY account_id ORDER BY date_created, sid) - 1 AS position"
    f" FROM phone_numbers WHERE {HELD} AND account_id IS NOT NULL) AS ranked"
    " WHERE phone_numbers.id = ranked.id",
    "UPDATE accounts SET next_ordinal = (SELECT count(*) FROM phone_numbers"
    f" WHERE phone_numbers.account_id = accounts.id AND {HELD})",
    f"INSERT INTO listing_buckets (account_id, bucket, active) SELECT account_id, ordinal / {BUCKET}, count(*)"
    f" FROM phone_numbers WHERE {HELD} AND account_id IS NOT NULL GROUP BY account_id, ordinal / {BUCKET}",
]


def upgrade() -> None:
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("next_ordinal", sa.Integer(), server_default="0", nullable=False))
    with op.batch_alter_table("phone_numbers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ordinal", sa.Integer(), nullable=True))
        batch_op.drop_index("ix_phone_numbers_owner_listing")
    op.create_table(
        "listing_buckets",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("bucket", sa.Integer(), nullable=False),
        sa.Column("active", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name=op.f("fk_listing_buckets_account_id_accounts")),
        sa.PrimaryKeyConstraint("account_id", "bucket", name=op.f("pk_listing_buckets")),
    )
    for statement in BACKFILL:
        op.execute(statement)
    # Built after the backfill: one sort instead of an index update per numbered row.
    op.create_index("ix_phone_numbers_listing", "phone_numbers", ["account_id", "ordinal", "id"], unique=False,
                    sqlite_where=sa.text(HELD), postgresql_where=sa.text(HELD))


def downgrade() -> None:
    op.drop_index("ix_phone_numbers_listing", table_name="phone_numbers")
    op.drop_table("listing_buckets")
    op.create_index("ix_phone_numbers_owner_listing", "phone_numbers",
                    ["account_id", "state", "date_created", "sid", "id"], unique=False)
    # Not in batch mode: rebuilding phone_numbers on SQLite would drop the digits index's triggers.
    op.drop_column("phone_numbers", "ordinal")
    op.drop_column("accounts", "next_ordinal")
