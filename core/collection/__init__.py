"""Collection: the payments ledger, receipts, refunds (and later reconciliation)."""
