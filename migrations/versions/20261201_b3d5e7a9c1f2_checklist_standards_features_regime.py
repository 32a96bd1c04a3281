"""Checklist items on the standards in force: basis as data (standard, edition, clause), regime,
item applicability, verify status; HAZ modes on sites; regime on hazards; fire proposals

Revision ID: b3d5e7a9c1f2
Revises: 7c1e0ffb2a11
Create Date: 2026-12-01 14:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b3d5e7a9c1f2'
down_revision = '7c1e0ffb2a11'
branch_labels = None
depends_on = None

ITEM_TEXT_COLUMNS = (('std', 40), ('edition', 40), ('clause', 64), ('regime', 8),
                     ('judgement', 200), ('applies', 128), ('element', 32))


def upgrade():
    with op.batch_alter_table('checklist_items', schema=None) as batch_op:
        for name, length in ITEM_TEXT_COLUMNS:
            batch_op.add_column(sa.Column(name, sa.String(length), server_default='',
                                          nullable=False))
        batch_op.add_column(sa.Column('verify', sa.String(1), server_default='V', nullable=False))
        batch_op.add_column(sa.Column('verify_note', sa.Text(), server_default='',
                                      nullable=False))
        batch_op.add_column(sa.Column('reference', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
    with op.batch_alter_table('sites', schema=None) as batch_op:
        # Empty for existing HAZ sites: they keep the in-scope (生产/经营) list until an admin
        # records what they do (sites.types.applicable_codes).
        batch_op.add_column(sa.Column('haz_modes', sa.String(32), server_default='',
                                      nullable=False))
    with op.batch_alter_table('hazards', schema=None) as batch_op:
        batch_op.add_column(sa.Column('regime', sa.String(8), server_default='', nullable=False))
        batch_op.add_column(sa.Column('judgement', sa.String(240), server_default='',
                                      nullable=False))
    op.create_table(
        'fire_proposals',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('inspection_id', sa.Integer(), nullable=False),
        sa.Column('site_id', sa.Integer(), nullable=False),
        sa.Column('place_kind', sa.String(16), nullable=False),
        sa.Column('threshold', sa.Integer(), nullable=False),
        sa.Column('elements', sa.Text(), nullable=False),
        sa.Column('status', sa.String(10), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.Column('decided_at', sa.DateTime(), nullable=True),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('hazard_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['inspection_id'], ['inspections.id']),
        sa.ForeignKeyConstraint(['site_id'], ['sites.id']),
        sa.ForeignKeyConstraint(['decided_by_id'], ['users.id']),
        sa.ForeignKeyConstraint(['hazard_id'], ['hazards.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('inspection_id'),
    )
    with op.batch_alter_table('fire_proposals', schema=None) as batch_op:
        batch_op.create_index('ix_fire_proposals_site_id', ['site_id'])
        batch_op.create_index('ix_fire_proposals_status', ['status'])

    # Existing data: the earlier versions' major items get the regime their basis implies
    # (GB 35181 is the fire regime, every other judgement standard the accident one), and the
    # open and closed major hazards made from them carry it over.
    op.execute("UPDATE checklist_items SET regime = 'fire' "
               "WHERE major IN ('Y', 'C') AND basis LIKE '%GB 35181%'")
    op.execute("UPDATE checklist_items SET regime = 'accident' "
               "WHERE major = 'Y' AND regime = ''")
    op.execute("UPDATE hazards SET regime = (SELECT ci.regime FROM checklist_items ci "
               "WHERE ci.id = hazards.item_id) "
               "WHERE level = 'major' AND item_id IS NOT NULL")
    op.execute("UPDATE hazards SET regime = '' WHERE regime IS NULL")


def downgrade():
    op.drop_table('fire_proposals')
    with op.batch_alter_table('hazards', schema=None) as batch_op:
        batch_op.drop_column('judgement')
        batch_op.drop_column('regime')
    with op.batch_alter_table('sites', schema=None) as batch_op:
        batch_op.drop_column('haz_modes')
    with op.batch_alter_table('checklist_items', schema=None) as batch_op:
        for name in ('reference', 'verify_note', 'verify', *(n for n, _ in ITEM_TEXT_COLUMNS)):
            batch_op.drop_column(name)
