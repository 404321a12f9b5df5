"""Shared core of the traffic-fine platform: configuration, database, i18n, security and the
domain packages (fines engine, people, verbali, collection, notification) used by both the
citizen portal and the contact center."""
