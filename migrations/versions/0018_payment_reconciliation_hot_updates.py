"""payment: reconciliation marks become HOT updates (no index on reconciliation_import_id,
free space left in each page)

A reporting flow marks every payment it confirms with ``reconciliation_import_id`` and
``regulation_date``. With an index on ``reconciliation_import_id`` each mark rewrote the row
and all six indexes of ``payment``; without it, and with room left in the page by the
fillfactor, PostgreSQL keeps the new row version in the same page and touches no index (a
heap-only-tuple update). Nothing looks payments up by import (the index only served the
foreign key when an import row is deleted, which nothing does: imports are kept).

The fillfactor applies to pages written from now on; existing pages get their room back
when the table is rewritten (``VACUUM FULL`` / ``pg_repack``, at a quiet time) — not here,
since that locks the table. SQLite has no fillfactor: only the index is dropped there.

Revision ID: 0018
Revises: 0014
Create Date: 2026-11-25 12:00:00.000000
"""
from alembic import op

revision = '0018'
down_revision = '0014'
branch_labels = None
depends_on = None

FILLFACTOR = 50


def upgrade() -> None:
    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payment_reconciliation_import_id'))
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(f'ALTER TABLE payment SET (fillfactor = {FILLFACTOR})')


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('ALTER TABLE payment RESET (fillfactor)')
    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payment_reconciliation_import_id'),
                              ['reconciliation_import_id'], unique=False)
