"""Supervisor dashboard: charter compliance, backlog, response times, workload and
satisfaction per Ente and period, with CSV exports and the monthly charter report."""
