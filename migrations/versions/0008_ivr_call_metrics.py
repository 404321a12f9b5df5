"""ivr call metrics: phone calls and their event log

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24 10:00:00.000000
"""
from alembic import op
import sqlalchemy as sa
import core.db


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('phone_call',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_sid', sa.String(length=64), nullable=False),
    sa.Column('ente_id', sa.Integer(), nullable=False),
    sa.Column('from_number', sa.String(length=40), nullable=True),
    sa.Column('language', sa.Enum('it', 'en', 'fr', 'de', 'es', name='language', native_enum=False, length=5), nullable=True),
    sa.Column('queue', sa.String(length=40), nullable=True),
    sa.Column('started_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('enqueued_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_in_queue_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('dequeued_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('queue_result', sa.String(length=20), nullable=True),
    sa.Column('answered_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('ended_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('outcome', sa.Enum('answered', 'abandoned', 'voicemail', 'callback', 'self_service', 'out_of_hours', 'menu', 'failed', name='calloutcome', native_enum=False, length=32), nullable=True),
    sa.Column('wait_seconds', sa.Integer(), nullable=True),
    sa.Column('duration_seconds', sa.Integer(), nullable=True),
    sa.Column('self_served', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['ente_id'], ['ente.id'], name=op.f('fk_phone_call_ente_id_ente')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_phone_call')),
    sa.UniqueConstraint('call_sid', name=op.f('uq_phone_call_call_sid'))
    )
    with op.batch_alter_table('phone_call', schema=None) as batch_op:
        batch_op.create_index('ix_phone_call_ente_started', ['ente_id', 'started_at'], unique=False)

    op.create_table('phone_call_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['call_id'], ['phone_call.id'], name=op.f('fk_phone_call_event_call_id_phone_call'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_phone_call_event')),
    sa.UniqueConstraint('call_id', 'kind', name=op.f('uq_phone_call_event_call_id_kind'))
    )


def downgrade() -> None:
    op.drop_table('phone_call_event')
    with op.batch_alter_table('phone_call', schema=None) as batch_op:
        batch_op.drop_index('ix_phone_call_ente_started')

    op.drop_table('phone_call')
