"""notification dispatches (SEND, PEC, e-mail), per-Ente notification settings, reviews of
late notifications

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-23 10:00:00.000000
"""
import sqlalchemy as sa
from alembic import op

import core.db

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

CHANNELS = ('roadside', 'friendly_letter', 'post', 'pec', 'send', 'international_mail')
STATUSES = ('queued', 'sending', 'requested', 'accepted', 'sent', 'delivered', 'perfected',
            'refused', 'failed', 'uncertain')


def upgrade() -> None:
    op.create_table('notification_dispatch',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ente_id', sa.Integer(), nullable=False),
    sa.Column('verbale_id', sa.Integer(), nullable=False),
    sa.Column('letter_id', sa.Integer(), nullable=True),
    sa.Column('channel', sa.Enum(*CHANNELS, name='notificationchannel', native_enum=False, length=32), nullable=False),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum(*STATUSES, name='dispatchstatus', native_enum=False, length=32), nullable=False),
    sa.Column('protocol_number', sa.String(length=100), nullable=False),
    sa.Column('idempotence_token', sa.String(length=100), nullable=False),
    sa.Column('request_id', sa.String(length=64), nullable=False),
    sa.Column('iun', sa.String(length=25), nullable=False),
    sa.Column('message_id', sa.String(length=300), nullable=False),
    sa.Column('address', sa.String(length=254), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.Column('sent_on', sa.Date(), nullable=True),
    sa.Column('perfected_on', sa.Date(), nullable=True),
    sa.Column('cost', core.db.Money(precision=14, scale=2), nullable=True),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['ente_id'], ['ente.id'], name=op.f('fk_notification_dispatch_ente_id_ente')),
    sa.ForeignKeyConstraint(['letter_id'], ['letter.id'], name=op.f('fk_notification_dispatch_letter_id_letter'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['verbale_id'], ['verbale.id'], name=op.f('fk_notification_dispatch_verbale_id_verbale'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification_dispatch')),
    sa.UniqueConstraint('verbale_id', 'channel', 'round', name='uq_notification_dispatch_verbale_channel_round')
    )
    with op.batch_alter_table('notification_dispatch', schema=None) as batch_op:
        batch_op.create_index('ix_notification_dispatch_ente_channel_status', ['ente_id', 'channel', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_notification_dispatch_iun'), ['iun'], unique=False)
        batch_op.create_index(batch_op.f('ix_notification_dispatch_message_id'), ['message_id'], unique=False)

    op.create_table('notification_settings',
    sa.Column('ente_id', sa.Integer(), nullable=False),
    sa.Column('alert_margin_days', sa.Integer(), nullable=False),
    sa.Column('send_fee_policy', sa.String(length=20), nullable=False),
    sa.Column('send_pa_fee_cents', sa.Integer(), nullable=False),
    sa.Column('send_vat_percent', sa.Integer(), nullable=False),
    sa.Column('send_taxonomy_code', sa.String(length=7), nullable=False),
    sa.Column('send_physical_type', sa.String(length=30), nullable=False),
    sa.Column('pec_sender', sa.String(length=254), nullable=False),
    sa.Column('updated_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['ente_id'], ['ente.id'], name=op.f('fk_notification_settings_ente_id_ente'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('ente_id', name=op.f('pk_notification_settings'))
    )

    op.create_table('late_notification_review',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('verbale_id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('reviewed_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['staff_id'], ['staff_user.id'], name=op.f('fk_late_notification_review_staff_id_staff_user')),
    sa.ForeignKeyConstraint(['verbale_id'], ['verbale.id'], name=op.f('fk_late_notification_review_verbale_id_verbale'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_late_notification_review')),
    sa.UniqueConstraint('verbale_id', name=op.f('uq_late_notification_review_verbale_id'))
    )


def downgrade() -> None:
    op.drop_table('late_notification_review')
    op.drop_table('notification_settings')
    with op.batch_alter_table('notification_dispatch', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notification_dispatch_message_id'))
        batch_op.drop_index(batch_op.f('ix_notification_dispatch_iun'))
        batch_op.drop_index('ix_notification_dispatch_ente_channel_status')
    op.drop_table('notification_dispatch')
