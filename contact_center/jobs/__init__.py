"""Jobs page: batch runs with their progress, counters, errors and reports."""
