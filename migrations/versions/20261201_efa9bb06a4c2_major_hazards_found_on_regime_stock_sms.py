"""major hazards: found_on, deciding authority, stock imports, sms outbox

Revision ID: efa9bb06a4c2
Revises: b3d5e7a9c1f2
Create Date: 2026-12-01 13:10:03.273306

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'efa9bb06a4c2'
down_revision = 'b3d5e7a9c1f2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('hazard_imports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('file_name', sa.String(length=255), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.Column('imported_by_id', sa.Integer(), nullable=True),
    sa.Column('imported_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['imported_by_id'], ['users.id'], name=op.f('fk_hazard_imports_imported_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hazard_imports')),
    sa.UniqueConstraint('sha256', name=op.f('uq_hazard_imports_sha256'))
    )
    op.create_table('sms_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('dedupe_key', sa.String(length=120), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=True),
    sa.Column('hazard_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.String(length=64), nullable=False),
    sa.Column('error', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.Column('status_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['hazard_id'], ['hazards.id'], name=op.f('fk_sms_messages_hazard_id_hazards')),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_sms_messages_site_id_sites')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sms_messages')),
    sa.UniqueConstraint('phone', 'dedupe_key', name='uq_sms_messages_phone_dedupe')
    )
    with op.batch_alter_table('sms_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sms_messages_hazard_id'), ['hazard_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sms_messages_phone'), ['phone'], unique=False)
        batch_op.create_index(batch_op.f('ix_sms_messages_site_id'), ['site_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sms_messages_status'), ['status'], unique=False)

    # Existing rows: found on the zone day their record was made (UTC+8, no DST); a major with
    # no regime from an item is an accident hazard; each major gets its regime's authority.
    with op.batch_alter_table('hazards', schema=None) as batch_op:
        batch_op.add_column(sa.Column('found_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('authority', sa.String(length=12), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('import_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('closing_doc_no', sa.String(length=60), nullable=False, server_default=''))
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("UPDATE hazards SET found_on = CAST(created_at + INTERVAL '8 hours' AS DATE)")
    else:
        op.execute("UPDATE hazards SET found_on = date(created_at, '+8 hours')")
    op.execute("UPDATE hazards SET regime = 'accident' WHERE level = 'major' AND regime = ''")
    op.execute("UPDATE hazards SET authority = 'fire' WHERE regime = 'fire'")
    op.execute("UPDATE hazards SET authority = 'housing' WHERE regime = 'accident' AND site_id IN "
               "(SELECT id FROM sites WHERE site_type IN ('CON', 'SCON'))")
    op.execute("UPDATE hazards SET authority = 'emergency' WHERE regime = 'accident' AND authority = ''")
    with op.batch_alter_table('hazards', schema=None) as batch_op:
        batch_op.alter_column('found_on', existing_type=sa.Date(), nullable=False)
        batch_op.alter_column('authority', existing_type=sa.String(length=12), server_default=None)
        batch_op.alter_column('closing_doc_no', existing_type=sa.String(length=60), server_default=None)
        batch_op.create_index(batch_op.f('ix_hazards_found_on'), ['found_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_hazards_import_id'), ['import_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_hazards_import_id_hazard_imports'), 'hazard_imports', ['import_id'], ['id'])



def downgrade():
    with op.batch_alter_table('hazards', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_hazards_import_id_hazard_imports'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_hazards_import_id'))
        batch_op.drop_index(batch_op.f('ix_hazards_found_on'))
        batch_op.drop_column('closing_doc_no')
        batch_op.drop_column('import_id')
        batch_op.drop_column('authority')
        batch_op.drop_column('found_on')

    with op.batch_alter_table('sms_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sms_messages_status'))
        batch_op.drop_index(batch_op.f('ix_sms_messages_site_id'))
        batch_op.drop_index(batch_op.f('ix_sms_messages_phone'))
        batch_op.drop_index(batch_op.f('ix_sms_messages_hazard_id'))

    op.drop_table('sms_messages')
    op.drop_table('hazard_imports')
