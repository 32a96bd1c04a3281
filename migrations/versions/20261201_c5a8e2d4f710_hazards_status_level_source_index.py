"""hazards (status, level, source, site_id) in place of (status): a work-queue section's
members are sought by their facts and counted on the index alone (a section of few members
read every hazard of its status, 60,000 of them in a city)

Revision ID: c5a8e2d4f710
Revises: 71cbb2c1fccc
Create Date: 2026-12-01 19:45:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'c5a8e2d4f710'
down_revision = '71cbb2c1fccc'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('hazards', schema=None) as batch_op:
        batch_op.create_index('ix_hazards_status_level_source_site',
                              ['status', 'level', 'source', 'site_id'], unique=False)
        batch_op.drop_index('ix_hazards_status')


def downgrade():
    with op.batch_alter_table('hazards', schema=None) as batch_op:
        batch_op.create_index('ix_hazards_status', ['status'], unique=False)
        batch_op.drop_index('ix_hazards_status_level_source_site')
