"""Notification terms: verbali approaching or past the 90/360-day limit, and late
notifications to review (supervisors and administrators, scoped to their Enti)."""
