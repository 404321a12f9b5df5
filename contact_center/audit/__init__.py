"""The audit log for supervisors and administrators (Garante's rules on system administrators)."""
