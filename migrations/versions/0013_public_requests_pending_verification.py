"""public requests pending e-mail verification

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-23 10:30:00.000000
"""
import sqlalchemy as sa
from alembic import op

import core.db

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('pending_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('complaint', 'information', 'access', 'civic_simple', 'civic_generalised', name='requestkind', native_enum=False, length=32), nullable=False),
    sa.Column('ente_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('language', sa.Enum('it', 'en', 'fr', 'de', 'es', name='language', native_enum=False, length=5), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('verbale_number', sa.String(length=40), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('attachments', sa.JSON(), nullable=False),
    sa.Column('nonce', sa.String(length=64), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('confirmed_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['support_case.id'], name=op.f('fk_pending_request_case_id_support_case'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['ente_id'], ['ente.id'], name=op.f('fk_pending_request_ente_id_ente')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_pending_request_person_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pending_request'))
    )
    with op.batch_alter_table('pending_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pending_request_expires_at'), ['expires_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('pending_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pending_request_expires_at'))

    op.drop_table('pending_request')
