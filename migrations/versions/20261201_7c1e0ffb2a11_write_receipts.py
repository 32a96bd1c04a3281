"""write receipts: idempotency keys of the phone's outbox

Revision ID: 7c1e0ffb2a11
Revises: 9c4f0c1af0d9
Create Date: 2026-12-01 10:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '7c1e0ffb2a11'
down_revision = '9c4f0c1af0d9'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('write_receipts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('target', sa.String(length=64), nullable=False),
    sa.Column('status', sa.SmallInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_write_receipts_user_id_users'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_write_receipts')),
    sa.UniqueConstraint('user_id', 'key', name='uq_write_receipts_user_key')
    )
    with op.batch_alter_table('write_receipts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_write_receipts_created_at'), ['created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('write_receipts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_write_receipts_created_at'))
    op.drop_table('write_receipts')
