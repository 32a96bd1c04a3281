"""page-first indexes: the lists' key order, the open-hazard queue, latest events per hazard

Revision ID: 5e1a9c3d7b20
Revises: 8c3c5ad120c2
Create Date: 2026-12-01 14:15:00

"""
from alembic import op
import sqlalchemy as sa


revision = '5e1a9c3d7b20'
down_revision = '8c3c5ad120c2'
branch_labels = None
depends_on = None

OPEN_SQL = "status IN ('reported', 'confirmed', 'rectifying', 'submitted')"


def upgrade():
    op.create_index('ix_hazards_found_on_id', 'hazards', ['found_on', 'id'])
    op.create_index('ix_hazards_open_queue', 'hazards', ['level', 'deadline', 'id'],
                    postgresql_where=sa.text(OPEN_SQL), sqlite_where=sa.text(OPEN_SQL))
    op.create_index('ix_hazard_events_hazard_action_id', 'hazard_events',
                    ['hazard_id', 'action', 'id'])
    op.create_index('ix_inspections_submitted_at_id', 'inspections', ['submitted_at', 'id'])
    op.create_index('ix_referrals_referred_at_id', 'referrals', ['referred_at', 'id'])


def downgrade():
    op.drop_index('ix_referrals_referred_at_id', table_name='referrals')
    op.drop_index('ix_inspections_submitted_at_id', table_name='inspections')
    op.drop_index('ix_hazard_events_hazard_action_id', table_name='hazard_events')
    op.drop_index('ix_hazards_open_queue', table_name='hazards')
    op.drop_index('ix_hazards_found_on_id', table_name='hazards')
