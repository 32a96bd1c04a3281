"""hazard_events (actor_id, action, hazard_id): the work queue leaves out the hazards a
verifier submitted themselves by reading their own submits once, instead of each counted
hazard's latest submit (four buffers a row)

Revision ID: d4e6f8a0b2c4
Revises: c5a8e2d4f710
Create Date: 2026-12-01 22:10:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'd4e6f8a0b2c4'
down_revision = 'c5a8e2d4f710'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('hazard_events', schema=None) as batch_op:
        batch_op.create_index('ix_hazard_events_actor_action',
                              ['actor_id', 'action', 'hazard_id'], unique=False)


def downgrade():
    with op.batch_alter_table('hazard_events', schema=None) as batch_op:
        batch_op.drop_index('ix_hazard_events_actor_action')
