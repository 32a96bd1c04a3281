"""major close-out: decision, level change, stop-work, assessment, review

Revision ID: 1b6c8213c645
Revises: efa9bb06a4c2
Create Date: 2026-12-01 13:48:13.443866

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '1b6c8213c645'
down_revision = 'efa9bb06a4c2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('hazards', schema=None) as batch_op:
        batch_op.add_column(sa.Column('decision_measures', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('decision_funds', sa.Numeric(precision=12, scale=2), nullable=True))
        batch_op.add_column(sa.Column('decision_plan', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('reported_level', sa.String(length=8), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('level_reason', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('level_decided_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('stop_work', sa.String(length=16), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('stop_work_doc', sa.String(length=60), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('stop_work_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('stop_work_lifted_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('assessment_by', sa.String(length=100), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('assessment_qualified', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('assessment_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('resume_application', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('resume_applied_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('review_note', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('reviewed_at', sa.DateTime(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_hazards_level_decided_by_id_users'), 'users', ['level_decided_by_id'], ['id'])

    # Existing hazards: reported at the level they have; earlier confirmations wrote the five
    # fixes into the report's columns, which become their decision (the enterprise's text is kept).
    op.execute("UPDATE hazards SET reported_level = level")
    op.execute("UPDATE hazards SET decision_measures = measures, decision_funds = funds, "
               "decision_plan = interim_measures WHERE status <> 'reported'")
    with op.batch_alter_table('hazards', schema=None) as batch_op:
        batch_op.alter_column('decision_measures', existing_type=sa.Text(), server_default=None)
        batch_op.alter_column('decision_plan', existing_type=sa.Text(), server_default=None)
        batch_op.alter_column('reported_level', existing_type=sa.String(length=8), server_default=None)
        batch_op.alter_column('level_reason', existing_type=sa.Text(), server_default=None)
        batch_op.alter_column('stop_work', existing_type=sa.String(length=16), server_default=None)
        batch_op.alter_column('stop_work_doc', existing_type=sa.String(length=60), server_default=None)
        batch_op.alter_column('assessment_by', existing_type=sa.String(length=100), server_default=None)
        batch_op.alter_column('resume_application', existing_type=sa.Text(), server_default=None)
        batch_op.alter_column('review_note', existing_type=sa.Text(), server_default=None)


def downgrade():
    with op.batch_alter_table('hazards', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_hazards_level_decided_by_id_users'), type_='foreignkey')
        batch_op.drop_column('reviewed_at')
        batch_op.drop_column('review_note')
        batch_op.drop_column('resume_applied_at')
        batch_op.drop_column('resume_application')
        batch_op.drop_column('assessment_at')
        batch_op.drop_column('assessment_qualified')
        batch_op.drop_column('assessment_by')
        batch_op.drop_column('stop_work_lifted_at')
        batch_op.drop_column('stop_work_at')
        batch_op.drop_column('stop_work_doc')
        batch_op.drop_column('stop_work')
        batch_op.drop_column('level_decided_by_id')
        batch_op.drop_column('level_reason')
        batch_op.drop_column('reported_level')
        batch_op.drop_column('decision_plan')
        batch_op.drop_column('decision_funds')
        batch_op.drop_column('decision_measures')

