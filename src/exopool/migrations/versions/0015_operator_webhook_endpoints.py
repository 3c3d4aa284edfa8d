"""webhook endpoints of no account: an operator's, receiving every account's events

Revision ID: 0015
Revises: 0014

An endpoint registered through the admin API belongs to no account; its account_id is null.
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("webhook_endpoints", schema=None) as batch_op:
        batch_op.alter_column("account_id", existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    # An operator's endpoints have no account to keep them under: they go, with their deliveries.
    op.execute("DELETE FROM webhook_attempts WHERE delivery_id IN (SELECT d.id FROM webhook_deliveries d"
               " JOIN webhook_endpoints e ON e.id = d.endpoint_id WHERE e.account_id IS NULL)")
    op.execute("DELETE FROM webhook_deliveries WHERE endpoint_id IN"
               " (SELECT id FROM webhook_endpoints WHERE account_id IS NULL)")
    op.execute("DELETE FROM webhook_endpoints WHERE account_id IS NULL")
    with op.batch_alter_table("webhook_endpoints", schema=None) as batch_op:
        batch_op.alter_column("account_id", existing_type=sa.Integer(), nullable=False)
