"""reconciliation: imported flows and statements, bank entries, exception items; payments
linked to the flow that confirmed them

Revision ID: 0009
Revises: 0016
Create Date: 2026-11-23 10:00:00.000000
"""
from alembic import op
import sqlalchemy as sa
import core.db


revision = '0009'
down_revision = '0016'
branch_labels = None
depends_on = None

IMPORT_KIND = sa.Enum('flusso', 'fdr3', 'csv', 'camt053', name='importkind', native_enum=False, length=32)
IMPORT_STATUS = sa.Enum('imported', 'settled', name='importstatus', native_enum=False, length=32)
ENTRY_STATUS = sa.Enum('settlement', 'payment', 'exception', 'ignored', name='bankentrystatus',
                       native_enum=False, length=32)
ITEM_STATUS = sa.Enum('open', 'resolved', name='itemstatus', native_enum=False, length=32)
ITEM_REASON = sa.Enum('unknown_iuv', 'amount_mismatch', 'verbale_mismatch', 'already_reconciled',
                      'revoked', 'invalid_amount', 'unexpected_transfer', 'cancelled_notice',
                      'payment_refunded', 'reference_conflict', 'ledger_rejected',
                      'unmatched_credit', 'ambiguous_reference', 'settlement_mismatch',
                      'already_settled', name='itemreason', native_enum=False, length=32)
ITEM_RESOLUTION = sa.Enum('linked', 'refunded', 'ignored', name='itemresolution',
                          native_enum=False, length=32)


def upgrade() -> None:
    op.create_table('reconciliation_import',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ente_id', sa.Integer(), nullable=False),
    sa.Column('kind', IMPORT_KIND, nullable=False),
    sa.Column('status', IMPORT_STATUS, nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('storage_key', sa.String(length=300), nullable=True),
    sa.Column('natural_key', sa.String(length=160), nullable=True),
    sa.Column('flow_id', sa.String(length=70), nullable=True),
    sa.Column('revision', sa.Integer(), nullable=True),
    sa.Column('flow_date', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('sender', sa.String(length=140), nullable=False),
    sa.Column('regulation_id', sa.String(length=140), nullable=True),
    sa.Column('regulation_date', sa.Date(), nullable=True),
    sa.Column('account', sa.String(length=34), nullable=False),
    sa.Column('declared_count', sa.Integer(), nullable=True),
    sa.Column('declared_total', core.db.Money(precision=14, scale=2), nullable=True),
    sa.Column('line_count', sa.Integer(), nullable=False),
    sa.Column('total_amount', core.db.Money(precision=14, scale=2), nullable=False),
    sa.Column('matched_count', sa.Integer(), nullable=False),
    sa.Column('new_count', sa.Integer(), nullable=False),
    sa.Column('exception_count', sa.Integer(), nullable=False),
    sa.Column('duplicate_count', sa.Integer(), nullable=False),
    sa.Column('ignored_count', sa.Integer(), nullable=False),
    sa.Column('settled_on', sa.Date(), nullable=True),
    sa.Column('imported_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('imported_by_id', sa.Integer(), nullable=True),
    sa.Column('summary', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['ente_id'], ['ente.id'], name=op.f('fk_reconciliation_import_ente_id_ente')),
    sa.ForeignKeyConstraint(['imported_by_id'], ['staff_user.id'], name=op.f('fk_reconciliation_import_imported_by_id_staff_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reconciliation_import')),
    sa.UniqueConstraint('ente_id', 'natural_key', name=op.f('uq_reconciliation_import_ente_id_natural_key')),
    sa.UniqueConstraint('ente_id', 'sha256', name=op.f('uq_reconciliation_import_ente_id_sha256'))
    )
    with op.batch_alter_table('reconciliation_import', schema=None) as batch_op:
        batch_op.create_index('ix_reconciliation_import_ente_imported', ['ente_id', 'imported_at'], unique=False)
        batch_op.create_index('ix_reconciliation_import_regulation', ['ente_id', 'regulation_id'], unique=False)

    op.create_table('bank_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('import_id', sa.Integer(), nullable=False),
    sa.Column('ente_id', sa.Integer(), nullable=False),
    sa.Column('line_no', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=120), nullable=False),
    sa.Column('booking_date', sa.Date(), nullable=False),
    sa.Column('value_date', sa.Date(), nullable=True),
    sa.Column('amount', core.db.Money(precision=14, scale=2), nullable=False),
    sa.Column('credit', sa.Boolean(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('account', sa.String(length=34), nullable=False),
    sa.Column('counterparty', sa.String(length=140), nullable=False),
    sa.Column('remittance', sa.String(length=500), nullable=False),
    sa.Column('status', ENTRY_STATUS, nullable=False),
    sa.Column('flow_import_id', sa.Integer(), nullable=True),
    sa.Column('payment_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['ente_id'], ['ente.id'], name=op.f('fk_bank_entry_ente_id_ente')),
    sa.ForeignKeyConstraint(['flow_import_id'], ['reconciliation_import.id'], name=op.f('fk_bank_entry_flow_import_id_reconciliation_import')),
    sa.ForeignKeyConstraint(['import_id'], ['reconciliation_import.id'], name=op.f('fk_bank_entry_import_id_reconciliation_import')),
    sa.ForeignKeyConstraint(['payment_id'], ['payment.id'], name=op.f('fk_bank_entry_payment_id_payment')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bank_entry')),
    sa.UniqueConstraint('ente_id', 'reference', name=op.f('uq_bank_entry_ente_id_reference'))
    )
    with op.batch_alter_table('bank_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bank_entry_flow_import_id'), ['flow_import_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_bank_entry_import_id'), ['import_id'], unique=False)

    op.create_table('reconciliation_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ente_id', sa.Integer(), nullable=False),
    sa.Column('import_id', sa.Integer(), nullable=False),
    sa.Column('line_no', sa.Integer(), nullable=False),
    sa.Column('reason', ITEM_REASON, nullable=False),
    sa.Column('status', ITEM_STATUS, nullable=False),
    sa.Column('iuv', sa.String(length=35), nullable=True),
    sa.Column('iur', sa.String(length=35), nullable=True),
    sa.Column('transfer_index', sa.SmallInteger(), nullable=True),
    sa.Column('reference', sa.String(length=120), nullable=True),
    sa.Column('amount', core.db.Money(precision=14, scale=2), nullable=False),
    sa.Column('expected_amount', core.db.Money(precision=14, scale=2), nullable=True),
    sa.Column('outcome', sa.String(length=20), nullable=True),
    sa.Column('value_date', sa.Date(), nullable=True),
    sa.Column('remittance', sa.String(length=500), nullable=False),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('notice_id', sa.Integer(), nullable=True),
    sa.Column('verbale_id', sa.Integer(), nullable=True),
    sa.Column('payment_id', sa.Integer(), nullable=True),
    sa.Column('bank_entry_id', sa.Integer(), nullable=True),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('resolution', ITEM_RESOLUTION, nullable=True),
    sa.Column('resolved_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['bank_entry_id'], ['bank_entry.id'], name=op.f('fk_reconciliation_item_bank_entry_id_bank_entry')),
    sa.ForeignKeyConstraint(['ente_id'], ['ente.id'], name=op.f('fk_reconciliation_item_ente_id_ente')),
    sa.ForeignKeyConstraint(['import_id'], ['reconciliation_import.id'], name=op.f('fk_reconciliation_item_import_id_reconciliation_import')),
    sa.ForeignKeyConstraint(['notice_id'], ['payment_notice.id'], name=op.f('fk_reconciliation_item_notice_id_payment_notice')),
    sa.ForeignKeyConstraint(['payment_id'], ['payment.id'], name=op.f('fk_reconciliation_item_payment_id_payment')),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['staff_user.id'], name=op.f('fk_reconciliation_item_resolved_by_id_staff_user')),
    sa.ForeignKeyConstraint(['verbale_id'], ['verbale.id'], name=op.f('fk_reconciliation_item_verbale_id_verbale')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reconciliation_item'))
    )
    with op.batch_alter_table('reconciliation_item', schema=None) as batch_op:
        batch_op.create_index('ix_reconciliation_item_ente_status', ['ente_id', 'status', 'id'], unique=False)
        batch_op.create_index('ix_reconciliation_item_import', ['import_id', 'line_no'], unique=False)

    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reconciliation_import_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('regulation_date', sa.Date(), nullable=True))
        batch_op.create_index(batch_op.f('ix_payment_reconciliation_import_id'), ['reconciliation_import_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_payment_reconciliation_import_id_reconciliation_import'),
                                    'reconciliation_import', ['reconciliation_import_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_payment_reconciliation_import_id_reconciliation_import'),
                                 type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_payment_reconciliation_import_id'))
        batch_op.drop_column('regulation_date')
        batch_op.drop_column('reconciliation_import_id')

    with op.batch_alter_table('reconciliation_item', schema=None) as batch_op:
        batch_op.drop_index('ix_reconciliation_item_import')
        batch_op.drop_index('ix_reconciliation_item_ente_status')
    op.drop_table('reconciliation_item')

    with op.batch_alter_table('bank_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bank_entry_import_id'))
        batch_op.drop_index(batch_op.f('ix_bank_entry_flow_import_id'))
    op.drop_table('bank_entry')

    with op.batch_alter_table('reconciliation_import', schema=None) as batch_op:
        batch_op.drop_index('ix_reconciliation_import_regulation')
        batch_op.drop_index('ix_reconciliation_import_ente_imported')
    op.drop_table('reconciliation_import')
