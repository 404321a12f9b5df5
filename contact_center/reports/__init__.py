"""Monthly reports to each Ente: summary on screen, CSV, XLSX and PDF downloads."""
