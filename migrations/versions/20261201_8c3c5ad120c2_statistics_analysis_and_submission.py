"""statistics analysis and submission

Revision ID: 8c3c5ad120c2
Revises: 200f01e0fd1f
Create Date: 2026-12-01 14:40:57.829429

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8c3c5ad120c2'
down_revision = '200f01e0fd1f'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('statistics_confirmations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('analysis', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('submitted_to', sa.String(length=100), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('submitted_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('submitted_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_statistics_confirmations_submitted_by_id_users'), 'users', ['submitted_by_id'], ['id'])
    # Tables signed earlier: no analysis, not yet recorded as submitted.
    with op.batch_alter_table('statistics_confirmations', schema=None) as batch_op:
        batch_op.alter_column('analysis', existing_type=sa.Text(), server_default=None)
        batch_op.alter_column('submitted_to', existing_type=sa.String(length=100), server_default=None)



def downgrade():
    with op.batch_alter_table('statistics_confirmations', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_statistics_confirmations_submitted_by_id_users'), type_='foreignkey')
        batch_op.drop_column('submitted_by_id')
        batch_op.drop_column('submitted_on')
        batch_op.drop_column('submitted_to')
        batch_op.drop_column('analysis')

