"""hazards (found_by_id, created_at): the queue's "just reported by you" reads the user's own
few, where it read every open hazard of a city by status (771 buffers, 75 ms at city scale)

Revision ID: d8e1f3a5b7c9
Revises: d4e6f8a0b2c4
Create Date: 2026-12-01 22:10:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'd8e1f3a5b7c9'
down_revision = 'd4e6f8a0b2c4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('hazards', schema=None) as batch_op:
        batch_op.create_index('ix_hazards_found_by_created', ['found_by_id', 'created_at'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('hazards', schema=None) as batch_op:
        batch_op.drop_index('ix_hazards_found_by_created')
