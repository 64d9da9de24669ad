"""Collector accounts: the people who work the handoff queue."""
