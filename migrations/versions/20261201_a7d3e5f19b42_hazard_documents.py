"""hazard_documents: a major hazard's assessment report and 复产申请 as files (PDF or image)

Revision ID: a7d3e5f19b42
Revises: 9c4e1a7b2d58
Create Date: 2026-12-01 17:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a7d3e5f19b42'
down_revision = '9c4e1a7b2d58'
branch_labels = None
depends_on = None


def upgrade():
    # Assessments filed earlier keep their photos (phase "assess"), shown as before.
    op.create_table('hazard_documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('hazard_id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('file_name', sa.String(length=120), nullable=False),
    sa.Column('media_type', sa.String(length=32), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['hazard_events.id'], name=op.f('fk_hazard_documents_event_id_hazard_events')),
    sa.ForeignKeyConstraint(['hazard_id'], ['hazards.id'], name=op.f('fk_hazard_documents_hazard_id_hazards')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_hazard_documents_uploaded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hazard_documents'))
    )
    with op.batch_alter_table('hazard_documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hazard_documents_hazard_id'), ['hazard_id'], unique=False)


def downgrade():
    with op.batch_alter_table('hazard_documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hazard_documents_hazard_id'))
    op.drop_table('hazard_documents')
