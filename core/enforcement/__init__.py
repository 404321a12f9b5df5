"""Reminders (ultimo avviso), the provisional roll, ingiunzioni fiscali, the prescription watch."""
