"""instalment plans (art. 202-bis) and their instalments

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-24 10:00:00.000000
"""
import sqlalchemy as sa
from alembic import op

import core.db

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('instalment_plan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ente_id', sa.Integer(), nullable=False),
    sa.Column('verbale_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('requested', 'approved', 'rejected', 'forfeited', 'completed', name='planstatus', native_enum=False, length=32), nullable=False),
    sa.Column('language', sa.Enum('it', 'en', 'fr', 'de', 'es', name='language', native_enum=False, length=5), nullable=False),
    sa.Column('taxable_income', core.db.Money(precision=14, scale=2), nullable=False),
    sa.Column('family_members', sa.Integer(), nullable=False),
    sa.Column('income_limit', core.db.Money(precision=14, scale=2), nullable=False),
    sa.Column('principal', core.db.Money(precision=14, scale=2), nullable=False),
    sa.Column('interest', core.db.Money(precision=14, scale=2), nullable=False),
    sa.Column('total', core.db.Money(precision=14, scale=2), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('annual_interest_rate', sa.String(length=16), nullable=False),
    sa.Column('requested_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('waiver_acknowledged_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decision_due', sa.Date(), nullable=False),
    sa.Column('decided_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decided_by', sa.Integer(), nullable=True),
    sa.Column('decision_reason', sa.Text(), nullable=False),
    sa.Column('pay_by', sa.Date(), nullable=True),
    sa.Column('forfeited_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('completed_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['support_case.id'], name=op.f('fk_instalment_plan_case_id_support_case')),
    sa.ForeignKeyConstraint(['decided_by'], ['staff_user.id'], name=op.f('fk_instalment_plan_decided_by_staff_user')),
    sa.ForeignKeyConstraint(['ente_id'], ['ente.id'], name=op.f('fk_instalment_plan_ente_id_ente')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_instalment_plan_person_id_person')),
    sa.ForeignKeyConstraint(['verbale_id'], ['verbale.id'], name=op.f('fk_instalment_plan_verbale_id_verbale')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_instalment_plan'))
    )
    with op.batch_alter_table('instalment_plan', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_instalment_plan_case_id'), ['case_id'], unique=False)
        batch_op.create_index('ix_instalment_plan_ente_status', ['ente_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_instalment_plan_person_id'), ['person_id'], unique=False)
        batch_op.create_index('ix_instalment_plan_verbale', ['verbale_id'], unique=False)

    op.create_table('instalment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('principal', core.db.Money(precision=14, scale=2), nullable=False),
    sa.Column('interest', core.db.Money(precision=14, scale=2), nullable=False),
    sa.Column('amount', core.db.Money(precision=14, scale=2), nullable=False),
    sa.Column('status', sa.Enum('due', 'paid', 'missed', name='instalmentstatus', native_enum=False, length=32), nullable=False),
    sa.Column('missed_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('paid_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('payment_id', sa.Integer(), nullable=True),
    sa.Column('notice_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['notice_id'], ['payment_notice.id'], name=op.f('fk_instalment_notice_id_payment_notice')),
    sa.ForeignKeyConstraint(['payment_id'], ['payment.id'], name=op.f('fk_instalment_payment_id_payment')),
    sa.ForeignKeyConstraint(['plan_id'], ['instalment_plan.id'], name=op.f('fk_instalment_plan_id_instalment_plan'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_instalment')),
    sa.UniqueConstraint('notice_id', name=op.f('uq_instalment_notice_id')),
    sa.UniqueConstraint('plan_id', 'number', name=op.f('uq_instalment_plan_id_number'))
    )
    with op.batch_alter_table('instalment', schema=None) as batch_op:
        batch_op.create_index('ix_instalment_status_due', ['status', 'due_on'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('instalment', schema=None) as batch_op:
        batch_op.drop_index('ix_instalment_status_due')
    op.drop_table('instalment')
    with op.batch_alter_table('instalment_plan', schema=None) as batch_op:
        batch_op.drop_index('ix_instalment_plan_verbale')
        batch_op.drop_index(batch_op.f('ix_instalment_plan_person_id'))
        batch_op.drop_index('ix_instalment_plan_ente_status')
        batch_op.drop_index(batch_op.f('ix_instalment_plan_case_id'))
    op.drop_table('instalment_plan')
