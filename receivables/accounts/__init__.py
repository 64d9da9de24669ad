"""Debtors and their invoices: who owes what, and the one open balance."""
