"""what one exopool instance keeps for all its processes, and a login throttle for any email

Revision ID: 0011
Revises: 0009

`instance` holds values every process using the database must agree on, created once: the
secret key of the HMACs and signed sessions, and whether the database is a sandbox's. The
login throttle moves out of `users` into `login_throttles`, keyed by an HMAC of the email, so
an email nobody uses is throttled exactly as a known one, and attempts are counted before the
password is checked.
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "instance",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_instance")),
    )
    op.create_table(
        "login_throttles",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_login_throttles")),
    )
    op.create_index(op.f("ix_login_throttles_updated_at"), "login_throttles", ["updated_at"])
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("failed_logins")
        batch_op.drop_column("last_failed_at")


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_failed_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("failed_logins", sa.Integer(), nullable=False, server_default="0"))
    op.drop_index(op.f("ix_login_throttles_updated_at"), table_name="login_throttles")
    op.drop_table("login_throttles")
    op.drop_table("instance")
