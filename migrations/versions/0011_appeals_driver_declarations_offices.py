"""appeals, driver declarations (art. 126-bis) and per-Ente appeal offices

Revision ID: 0011
Revises: 0017
Create Date: 2026-11-24 12:00:00.000000
"""
import sqlalchemy as sa
from alembic import op

import core.db

revision = '0011'
down_revision = '0017'
branch_labels = None
depends_on = None

ROUTE = sa.Enum('prefetto', 'giudice_di_pace', name='appealroute', native_enum=False, length=32)
LANGUAGE = sa.Enum('it', 'en', 'fr', 'de', 'es', name='language', native_enum=False, length=5)


def upgrade() -> None:
    op.create_table('appeal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ente_id', sa.Integer(), nullable=False),
    sa.Column('verbale_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('route', ROUTE, nullable=False),
    sa.Column('grounds', sa.JSON(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('hearing_requested', sa.Boolean(), nullable=False),
    sa.Column('language', LANGUAGE, nullable=False),
    sa.Column('status', sa.Enum('draft', 'downloaded', 'filed_online', 'forwarded', 'accepted', 'rejected', 'withdrawn', name='appealstatus', native_enum=False, length=32), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('filed_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decided_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('pdf_key', sa.String(length=300), nullable=False),
    sa.Column('pdf_sha256', sa.String(length=64), nullable=False),
    sa.Column('attachments', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['support_case.id'], name=op.f('fk_appeal_case_id_support_case')),
    sa.ForeignKeyConstraint(['ente_id'], ['ente.id'], name=op.f('fk_appeal_ente_id_ente')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_appeal_person_id_person')),
    sa.ForeignKeyConstraint(['verbale_id'], ['verbale.id'], name=op.f('fk_appeal_verbale_id_verbale')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appeal'))
    )
    with op.batch_alter_table('appeal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_appeal_ente_id'), ['ente_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_appeal_person_id'), ['person_id'], unique=False)
        batch_op.create_index('ix_appeal_verbale_status', ['verbale_id', 'status'], unique=False)

    op.create_table('appeal_office',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ente_id', sa.Integer(), nullable=False),
    sa.Column('route', ROUTE, nullable=False),
    sa.Column('addressee', sa.String(length=200), nullable=False),
    sa.Column('office', sa.String(length=200), nullable=False),
    sa.Column('address', sa.String(length=300), nullable=False),
    sa.Column('pec', sa.String(length=254), nullable=False),
    sa.ForeignKeyConstraint(['ente_id'], ['ente.id'], name=op.f('fk_appeal_office_ente_id_ente')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appeal_office')),
    sa.UniqueConstraint('ente_id', 'route', name=op.f('uq_appeal_office_ente_id_route'))
    )

    op.create_table('driver_declaration',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ente_id', sa.Integer(), nullable=False),
    sa.Column('verbale_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('owner_is_driver', sa.Boolean(), nullable=False),
    sa.Column('first_name', sa.String(length=100), nullable=False),
    sa.Column('last_name', sa.String(length=100), nullable=False),
    sa.Column('birth_date', sa.Date(), nullable=False),
    sa.Column('birth_place', sa.String(length=120), nullable=False),
    sa.Column('birth_country', sa.String(length=2), nullable=False),
    sa.Column('fiscal_code', sa.String(length=16), nullable=True),
    sa.Column('address_line', sa.String(length=300), nullable=False),
    sa.Column('postal_code', sa.String(length=20), nullable=False),
    sa.Column('city', sa.String(length=120), nullable=False),
    sa.Column('province', sa.String(length=60), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('licence_number', sa.String(length=40), nullable=False),
    sa.Column('licence_categories', sa.JSON(), nullable=False),
    sa.Column('licence_authority', sa.String(length=200), nullable=False),
    sa.Column('licence_country', sa.String(length=2), nullable=False),
    sa.Column('licence_issued_on', sa.Date(), nullable=False),
    sa.Column('licence_expires_on', sa.Date(), nullable=False),
    sa.Column('licence_copy', sa.JSON(), nullable=False),
    sa.Column('declarations', sa.JSON(), nullable=False),
    sa.Column('driver_signature', sa.String(length=200), nullable=False),
    sa.Column('driver_signed_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('owner_signature', sa.String(length=200), nullable=False),
    sa.Column('owner_signed_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('language', LANGUAGE, nullable=False),
    sa.Column('status', sa.Enum('filed', 'registered', 'rejected', name='driverdeclarationstatus', native_enum=False, length=32), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['support_case.id'], name=op.f('fk_driver_declaration_case_id_support_case')),
    sa.ForeignKeyConstraint(['ente_id'], ['ente.id'], name=op.f('fk_driver_declaration_ente_id_ente')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_driver_declaration_person_id_person')),
    sa.ForeignKeyConstraint(['verbale_id'], ['verbale.id'], name=op.f('fk_driver_declaration_verbale_id_verbale')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_driver_declaration'))
    )
    with op.batch_alter_table('driver_declaration', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_driver_declaration_ente_id'), ['ente_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_driver_declaration_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_driver_declaration_verbale_id'), ['verbale_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('driver_declaration', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_driver_declaration_verbale_id'))
        batch_op.drop_index(batch_op.f('ix_driver_declaration_person_id'))
        batch_op.drop_index(batch_op.f('ix_driver_declaration_ente_id'))
    op.drop_table('driver_declaration')
    op.drop_table('appeal_office')
    with op.batch_alter_table('appeal', schema=None) as batch_op:
        batch_op.drop_index('ix_appeal_verbale_status')
        batch_op.drop_index(batch_op.f('ix_appeal_person_id'))
        batch_op.drop_index(batch_op.f('ix_appeal_ente_id'))
    op.drop_table('appeal')
