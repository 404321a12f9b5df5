"""verbali imports and device events

Revision ID: 0014
Revises: 0009
Create Date: 2026-11-24 12:00:00.000000
"""
import sqlalchemy as sa
from alembic import op

import core.db

revision = '0014'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('verbali_import',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ente_id', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('format', sa.Enum('csv', 'json', 'jsonl', 'device', name='verbaliimportformat', native_enum=False, length=10), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('storage_key', sa.String(length=300), nullable=False),
    sa.Column('report_key', sa.String(length=300), nullable=False),
    sa.Column('batch_run_id', sa.Integer(), nullable=True),
    sa.Column('created_by', sa.String(length=120), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['batch_run_id'], ['batch_run.id'], name=op.f('fk_verbali_import_batch_run_id_batch_run')),
    sa.ForeignKeyConstraint(['ente_id'], ['ente.id'], name=op.f('fk_verbali_import_ente_id_ente')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_verbali_import')),
    sa.UniqueConstraint('ente_id', 'sha256', name=op.f('uq_verbali_import_ente_id_sha256'))
    )
    with op.batch_alter_table('verbali_import', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_verbali_import_batch_run_id'), ['batch_run_id'], unique=False)

    op.create_table('device_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ente_id', sa.Integer(), nullable=False),
    sa.Column('device_id', sa.String(length=60), nullable=False),
    sa.Column('device_kind', sa.Enum('speed', 'red_light', 'ztl', 'bus_lane', name='devicekind', native_enum=False, length=20), nullable=False),
    sa.Column('event_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('plate', sa.String(length=20), nullable=False),
    sa.Column('verbale_id', sa.Integer(), nullable=False),
    sa.Column('import_id', sa.Integer(), nullable=True),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['ente_id'], ['ente.id'], name=op.f('fk_device_event_ente_id_ente')),
    sa.ForeignKeyConstraint(['import_id'], ['verbali_import.id'], name=op.f('fk_device_event_import_id_verbali_import')),
    sa.ForeignKeyConstraint(['verbale_id'], ['verbale.id'], name=op.f('fk_device_event_verbale_id_verbale'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_device_event')),
    sa.UniqueConstraint('ente_id', 'device_id', 'event_at', 'plate', name=op.f('uq_device_event_ente_id_device_id_event_at_plate')),
    sa.UniqueConstraint('verbale_id', name=op.f('uq_device_event_verbale_id'))
    )
    with op.batch_alter_table('device_event', schema=None) as batch_op:
        batch_op.create_index('ix_device_event_ente_plate', ['ente_id', 'plate'], unique=False)
        batch_op.create_index(batch_op.f('ix_device_event_import_id'), ['import_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('device_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_device_event_import_id'))
        batch_op.drop_index('ix_device_event_ente_plate')

    op.drop_table('device_event')
    with op.batch_alter_table('verbali_import', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_verbali_import_batch_run_id'))

    op.drop_table('verbali_import')
