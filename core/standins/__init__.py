"""Local stand-ins for outside services (card gateway …), run on loopback by the demo and the
tests so the real client libraries talk to something that speaks the provider's wire format.
They are never used in production: pointing the code at the real provider is configuration
only (e.g. an empty ``STRIPE_API_BASE``)."""
