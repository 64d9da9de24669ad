"""Settle's domain core: receivables, debtors, conversations, handoffs. No HTTP, no Rasa."""
