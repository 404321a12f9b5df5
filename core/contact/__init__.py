"""Contact center domain: cases, SLA clocks derived from case events, notifications."""
