"""hazards (site_id, level, deadline, id) of open hazards: an inspector's queue reads its sites'
open hazards and their rank from the index alone, where it read each of them from the table
(zone, 120 sites, 725 open hazards: 1,887 -> 447 buffers)

Revision ID: a7c9e1b3d5f7
Revises: f3b5d7e9a1c3
Create Date: 2026-12-02 14:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'a7c9e1b3d5f7'
down_revision = 'f3b5d7e9a1c3'
branch_labels = None
depends_on = None

WHERE = "status IN ('reported', 'confirmed', 'rectifying', 'submitted')"


def upgrade():
    with op.batch_alter_table('hazards', schema=None) as batch_op:
        batch_op.create_index('ix_hazards_site_open', ['site_id', 'level', 'deadline', 'id'],
                              unique=False, postgresql_where=sa.text(WHERE),
                              sqlite_where=sa.text(WHERE))


def downgrade():
    with op.batch_alter_table('hazards', schema=None) as batch_op:
        batch_op.drop_index('ix_hazards_site_open')
