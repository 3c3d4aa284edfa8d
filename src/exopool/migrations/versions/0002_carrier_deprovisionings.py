"""the simulated carrier's ledger of de-provisionings

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('carrier_deprovisionings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('release_sid', sa.String(length=32), nullable=False),
    sa.Column('phone_number', sa.String(length=20), nullable=False),
    sa.Column('attempt', sa.Integer(), nullable=False),
    sa.Column('repeat', sa.Boolean(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_carrier_deprovisionings'))
    )
    with op.batch_alter_table('carrier_deprovisionings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_carrier_deprovisionings_release_sid'), ['release_sid'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('carrier_deprovisionings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_carrier_deprovisionings_release_sid'))

    op.drop_table('carrier_deprovisionings')
