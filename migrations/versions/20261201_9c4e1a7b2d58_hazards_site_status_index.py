"""hazards (site_id, status): the work queue's sections read one enterprise's or one grid's
hazards in a state (PostgreSQL otherwise ANDs the whole status index for every site)

Revision ID: 9c4e1a7b2d58
Revises: 4f2b7c9d1e36
Create Date: 2026-12-01 17:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '9c4e1a7b2d58'
down_revision = '4f2b7c9d1e36'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('hazards', schema=None) as batch_op:
        batch_op.create_index('ix_hazards_site_status', ['site_id', 'status'], unique=False)


def downgrade():
    with op.batch_alter_table('hazards', schema=None) as batch_op:
        batch_op.drop_index('ix_hazards_site_status')
