"""major_summaries: the major-hazard dashboard's counted summary (ledgers/summary.py)

Empty after the upgrade: the dashboard counts live until the task queue's first count.

Revision ID: 71cbb2c1fccc
Revises: a7d3e5f19b42
Create Date: 2026-12-01 19:10:59

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '71cbb2c1fccc'
down_revision = 'a7d3e5f19b42'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('major_summaries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('made_at', sa.DateTime(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('rules', sa.String(length=80), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_major_summaries'))
    )
    with op.batch_alter_table('major_summaries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_major_summaries_made_at'), ['made_at'], unique=False)

    op.create_table('major_summary_rows',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('summary_id', sa.Integer(), nullable=False),
    sa.Column('area_id', sa.Integer(), nullable=False),
    sa.Column('site_type', sa.String(length=8), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('regime', sa.String(length=8), nullable=False),
    sa.Column('state', sa.String(length=8), nullable=False),
    sa.Column('stock', sa.Boolean(), nullable=False),
    sa.Column('overdue', sa.Boolean(), nullable=False),
    sa.Column('supervised', sa.Boolean(), nullable=False),
    sa.Column('stock_left', sa.Boolean(), nullable=False),
    sa.Column('late', sa.Boolean(), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['summary_id'], ['major_summaries.id'], name=op.f('fk_major_summary_rows_summary_id_major_summaries'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_major_summary_rows'))
    )
    with op.batch_alter_table('major_summary_rows', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_major_summary_rows_summary_id'), ['summary_id'], unique=False)



def downgrade():
    with op.batch_alter_table('major_summary_rows', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_major_summary_rows_summary_id'))

    op.drop_table('major_summary_rows')
    with op.batch_alter_table('major_summaries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_major_summaries_made_at'))

    op.drop_table('major_summaries')
