"""letter templates per Ente and the postal items of print batches

Revision ID: 0015
Revises: 0013
Create Date: 2026-11-23 12:00:00
"""
import sqlalchemy as sa
from alembic import op

import core.db

revision = '0015'
down_revision = '0013'
branch_labels = None
depends_on = None

_CHANNELS = ('roadside', 'friendly_letter', 'post', 'pec', 'send', 'international_mail')
_OUTCOMES = ('queued', 'sent', 'delivered', 'viewed', 'in_storage', 'failed', 'returned',
             'perfected')
_PRODUCTS = ('raccomandata_ar', 'atto_giudiziario_890', 'raccomandata_internazionale_ar',
             'posta_prioritaria', 'posta_prioritaria_internazionale')


def upgrade() -> None:
    op.create_table('letter_template',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ente_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('settings', sa.JSON(), nullable=False),
    sa.Column('updated_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['ente_id'], ['ente.id'], name=op.f('fk_letter_template_ente_id_ente'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_letter_template')),
    sa.UniqueConstraint('ente_id', 'kind', name='uq_letter_template_ente_kind')
    )
    op.create_table('postal_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ente_id', sa.Integer(), nullable=False),
    sa.Column('letter_id', sa.Integer(), nullable=False),
    sa.Column('verbale_id', sa.Integer(), nullable=True),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('batch_run_id', sa.Integer(), nullable=True),
    sa.Column('channel', sa.Enum(*_CHANNELS, name='notificationchannel', native_enum=False, length=32), nullable=False),
    sa.Column('product', sa.Enum(*_PRODUCTS, name='postalproduct', native_enum=False, length=32), nullable=False),
    sa.Column('barcode', sa.String(length=40), nullable=False),
    sa.Column('tracking_number', sa.String(length=60), nullable=True),
    sa.Column('status', sa.Enum(*_OUTCOMES, name='notificationoutcome', native_enum=False, length=32), nullable=False),
    sa.Column('file_name', sa.String(length=200), nullable=False),
    sa.Column('pages', sa.Integer(), nullable=False),
    sa.Column('sheets', sa.Integer(), nullable=False),
    sa.Column('weight_grams', sa.Integer(), nullable=False),
    sa.Column('weight_class', sa.String(length=20), nullable=False),
    sa.Column('recipient', sa.JSON(), nullable=False),
    sa.Column('sent_on', sa.Date(), nullable=True),
    sa.Column('delivered_on', sa.Date(), nullable=True),
    sa.Column('receipt_storage_key', sa.String(length=300), nullable=True),
    sa.Column('receipt_sha256', sa.String(length=64), nullable=True),
    sa.Column('receipt_recorded_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['batch_run_id'], ['batch_run.id'], name=op.f('fk_postal_item_batch_run_id_batch_run')),
    sa.ForeignKeyConstraint(['ente_id'], ['ente.id'], name=op.f('fk_postal_item_ente_id_ente')),
    sa.ForeignKeyConstraint(['letter_id'], ['letter.id'], name=op.f('fk_postal_item_letter_id_letter'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_postal_item_person_id_person')),
    sa.ForeignKeyConstraint(['verbale_id'], ['verbale.id'], name=op.f('fk_postal_item_verbale_id_verbale'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_postal_item')),
    sa.UniqueConstraint('barcode', name=op.f('uq_postal_item_barcode')),
    sa.UniqueConstraint('letter_id', name=op.f('uq_postal_item_letter_id'))
    )
    with op.batch_alter_table('postal_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_postal_item_batch_run_id'), ['batch_run_id'], unique=False)
        batch_op.create_index('ix_postal_item_tracking', ['tracking_number'], unique=False)
        batch_op.create_index('ix_postal_item_verbale', ['verbale_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('postal_item', schema=None) as batch_op:
        batch_op.drop_index('ix_postal_item_verbale')
        batch_op.drop_index('ix_postal_item_tracking')
        batch_op.drop_index(batch_op.f('ix_postal_item_batch_run_id'))
    op.drop_table('postal_item')
    op.drop_table('letter_template')
