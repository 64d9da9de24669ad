"""Reminders (P14): what Settle sends first, planned per day (planner.py,
pure), recorded exactly once with the channel chosen and why, opt-outs, pauses and outcomes
(service.py, models.py)."""
