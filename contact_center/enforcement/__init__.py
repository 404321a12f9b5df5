"""Provisional rolls for the Ente's approval and the prescription watch."""
