from tests.core.payments.stripe_support import portal_server, stripe_standin  # noqa: F401
