"""Payment gateways: how a citizen pays (card through Stripe Checkout; pagoPA lives in
:mod:`core.pagopa`). Gateways start payments and turn verified provider confirmations into
calls to :func:`core.collection.ledger.record_confirmed_payment`, the only way a payment is
confirmed."""
