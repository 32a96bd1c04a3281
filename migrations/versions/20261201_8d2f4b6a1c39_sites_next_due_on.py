"""sites.next_due_on: the next inspection's due day, indexed with the name

Revision ID: 8d2f4b6a1c39
Revises: 5e1a9c3d7b20
Create Date: 2026-12-01 14:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = '8d2f4b6a1c39'
down_revision = '5e1a9c3d7b20'
branch_labels = None
depends_on = None

# The default intervals (config INSPECTION_INTERVAL_DAYS); the app keeps the column current
# from here on, with the deployment's own intervals.
INTERVALS = {"red": 30, "orange": 60, "yellow": 90, "blue": 180}


def upgrade():
    with op.batch_alter_table('sites') as batch:
        batch.add_column(sa.Column('next_due_on', sa.Date(), nullable=True))
    op.create_index('ix_sites_next_due_on_name', 'sites', ['next_due_on', 'name'])
    bind = op.get_bind()
    last = ("(SELECT max(i.submitted_at) FROM inspections i WHERE i.site_id = sites.id "
            "AND i.submitted_at IS NOT NULL)")
    days = "CASE risk_color " + " ".join(
        f"WHEN '{c}' THEN {n}" for c, n in INTERVALS.items()) + " ELSE 30 END"
    if bind.dialect.name == "postgresql":
        due = f"CAST({last} + INTERVAL '8 hours' AS DATE) + {days}"
    else:
        due = f"date(substr({last}, 1, 19), '+8 hours', ({days}) || ' days')"
    op.execute(f"UPDATE sites SET next_due_on = {due}")


def downgrade():
    op.drop_index('ix_sites_next_due_on_name', table_name='sites')
    with op.batch_alter_table('sites') as batch:
        batch.drop_column('next_due_on')
