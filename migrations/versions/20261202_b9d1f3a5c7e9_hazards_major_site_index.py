"""hazards by site for the major-hazard database's rows only: its page filtered by an area (or
grid, or industry) read every hazard of the area's sites to find the few majors among them
(city, one area of 1,000 sites: 25,000 buffers -> 5,300)

Revision ID: b9d1f3a5c7e9
Revises: a7c9e1b3d5f7
Create Date: 2026-12-02 14:50:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'b9d1f3a5c7e9'
down_revision = 'a7c9e1b3d5f7'
branch_labels = None
depends_on = None

WHERE = "(level = 'major' OR reported_level = 'major') AND status <> 'rejected'"


def upgrade():
    with op.batch_alter_table('hazards', schema=None) as batch_op:
        batch_op.create_index('ix_hazards_major_site', ['site_id'], unique=False,
                              postgresql_where=sa.text(WHERE), sqlite_where=sa.text(WHERE))


def downgrade():
    with op.batch_alter_table('hazards', schema=None) as batch_op:
        batch_op.drop_index('ix_hazards_major_site')
