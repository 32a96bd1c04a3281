"""hazards (found_on, id) for the major-hazard database's rows only: its first page walked the
whole list's index and passed over ~30 hazards for each major one

Revision ID: e2a4c6b8d0f1
Revises: d8e1f3a5b7c9
Create Date: 2026-12-01 23:15:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'e2a4c6b8d0f1'
down_revision = 'd8e1f3a5b7c9'
branch_labels = None
depends_on = None

WHERE = "(level = 'major' OR reported_level = 'major') AND status <> 'rejected'"


def upgrade():
    with op.batch_alter_table('hazards', schema=None) as batch_op:
        batch_op.create_index('ix_hazards_major_found_on_id', ['found_on', 'id'], unique=False,
                              postgresql_where=sa.text(WHERE), sqlite_where=sa.text(WHERE))


def downgrade():
    with op.batch_alter_table('hazards', schema=None) as batch_op:
        batch_op.drop_index('ix_hazards_major_found_on_id')
