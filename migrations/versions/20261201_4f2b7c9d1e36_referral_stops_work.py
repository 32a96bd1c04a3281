"""referrals.stops_work: an enforcement measure that stopped work (the hazard holds the stop-work)

Revision ID: 4f2b7c9d1e36
Revises: 8d2f4b6a1c39
Create Date: 2026-12-01 16:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '4f2b7c9d1e36'
down_revision = '8d2f4b6a1c39'
branch_labels = None
depends_on = None


def upgrade():
    # Earlier referrals recorded no stop-work (a "suspend" one did not say how or by which
    # document), so none of them is taken to have stopped work.
    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('stops_work', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.alter_column('stops_work', existing_type=sa.Boolean(), server_default=None)


def downgrade():
    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.drop_column('stops_work')
