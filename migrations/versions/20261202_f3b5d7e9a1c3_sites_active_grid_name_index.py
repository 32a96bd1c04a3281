"""sites (grid_id, name, id) of active sites: the responsibility list's page keys (ordered by
area, grid and site name) read a grid's sites in order from the index, where they joined and
sorted every site of an area

Revision ID: f3b5d7e9a1c3
Revises: e2a4c6b8d0f1
Create Date: 2026-12-02 05:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'f3b5d7e9a1c3'
down_revision = 'e2a4c6b8d0f1'
branch_labels = None
depends_on = None

WHERE = "active IS true"


def upgrade():
    with op.batch_alter_table('sites', schema=None) as batch_op:
        batch_op.create_index('ix_sites_active_grid_name_id', ['grid_id', 'name', 'id'],
                              unique=False, postgresql_where=sa.text(WHERE),
                              sqlite_where=sa.text(WHERE))


def downgrade():
    with op.batch_alter_table('sites', schema=None) as batch_op:
        batch_op.drop_index('ix_sites_active_grid_name_id')
