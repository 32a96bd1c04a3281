"""notifications.message_key/params: texts rendered in the reader's language

Revision ID: b3d58e0c7a26
Revises: 1b6c8213c645
Create Date: 2026-12-01 13:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b3d58e0c7a26'
down_revision = '1b6c8213c645'
branch_labels = None
depends_on = None


def upgrade():
    # Existing rows have no key and keep showing their stored title and body.
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('message_key', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('params', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_column('params')
        batch_op.drop_column('message_key')
