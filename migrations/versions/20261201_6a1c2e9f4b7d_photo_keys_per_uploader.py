"""photo keys per uploader, content hash

Revision ID: 6a1c2e9f4b7d
Revises: 6c1f0e2a9b41
Create Date: 2026-12-01 10:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '6a1c2e9f4b7d'
down_revision = '6c1f0e2a9b41'
branch_labels = None
depends_on = None


def upgrade():
    # Existing keys were globally unique, so they stay unique per uploader: no data step.
    with op.batch_alter_table('photos', schema=None) as batch_op:
        batch_op.add_column(sa.Column('content_hash', sa.String(length=64), nullable=True))
        batch_op.drop_constraint('uq_photos_upload_key', type_='unique')
        batch_op.create_unique_constraint('uq_photos_uploader_key', ['uploader_id', 'upload_key'])
        batch_op.create_unique_constraint('uq_photos_uploader_answer_hash',
                                          ['uploader_id', 'answer_id', 'content_hash'])
        batch_op.create_index('ix_photos_uploader_hash', ['uploader_id', 'content_hash'], unique=False)


def downgrade():
    # Keys shared by two uploaders cannot be globally unique again: the later copies get a
    # suffix of their id, so the old schema's constraint holds and no photo is lost.
    photos = sa.table('photos', sa.column('id', sa.Integer), sa.column('upload_key', sa.String))
    conn = op.get_bind()
    rows = conn.execute(sa.select(photos.c.id, photos.c.upload_key).order_by(photos.c.id)).all()
    seen = set()
    for photo_id, key in rows:
        if key in seen:
            conn.execute(photos.update().where(photos.c.id == photo_id)
                         .values(upload_key=f"{key[:50]}-d{photo_id}"))
        seen.add(key)
    with op.batch_alter_table('photos', schema=None) as batch_op:
        batch_op.drop_index('ix_photos_uploader_hash')
        batch_op.drop_constraint('uq_photos_uploader_answer_hash', type_='unique')
        batch_op.drop_constraint('uq_photos_uploader_key', type_='unique')
        batch_op.create_unique_constraint('uq_photos_upload_key', ['upload_key'])
        batch_op.drop_column('content_hash')
