"""events.actor holds "user:" and a whole email address

Revision ID: 0008
Revises: 0007

A dashboard user's events name them "user:<email>", and an email may have 320 characters: the
column grows from 200 to 325 characters, where PostgreSQL refused every event of a user whose
email was longer than 195.
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.alter_column("actor", existing_type=sa.String(200), type_=sa.String(325), existing_nullable=True)


def downgrade() -> None:
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.alter_column("actor", existing_type=sa.String(325), type_=sa.String(200), existing_nullable=True)
