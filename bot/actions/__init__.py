"""Rasa SDK actions: thin. Read the tracker, call a receivables service, reply by response name."""
