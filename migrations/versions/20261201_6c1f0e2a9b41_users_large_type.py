"""users.large_type: the large-type mode (长辈版) remembered per user

Revision ID: 6c1f0e2a9b41
Revises: 4900b5cc3d00
Create Date: 2026-12-01 10:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '6c1f0e2a9b41'
down_revision = '4900b5cc3d00'
branch_labels = None
depends_on = None


def upgrade():
    # Existing users read "off" through the server default.
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('large_type', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('large_type')
