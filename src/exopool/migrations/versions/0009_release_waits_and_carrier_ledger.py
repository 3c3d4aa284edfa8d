"""a waiting release job may have no next attempt; the simulated carrier's ledger leaves the schema

Revision ID: 0009
Revises: 0008

A job waiting for a carrier that answers by itself is due at no time: next_attempt_at becomes
nullable. The simulated carrier keeps its ledger in a table of its own, which it creates when it
first needs it: carrier_deprovisionings is no longer part of exopool's schema.
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("release_jobs", schema=None) as batch_op:
        batch_op.alter_column("next_attempt_at", existing_type=sa.DateTime(), nullable=True)
    op.drop_index("ix_carrier_deprovisionings_release_sid", table_name="carrier_deprovisionings")
    op.drop_table("carrier_deprovisionings")


def downgrade() -> None:
    op.create_table(
        "carrier_deprovisionings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("release_sid", sa.String(length=32), nullable=False),
        sa.Column("phone_number", sa.String(length=20), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("repeat", sa.Boolean(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_carrier_deprovisionings")),
    )
    op.create_index("ix_carrier_deprovisionings_release_sid", "carrier_deprovisionings", ["release_sid"])
    op.execute("UPDATE release_jobs SET next_attempt_at = updated_at WHERE next_attempt_at IS NULL")
    with op.batch_alter_table("release_jobs", schema=None) as batch_op:
        batch_op.alter_column("next_attempt_at", existing_type=sa.DateTime(), nullable=False)
