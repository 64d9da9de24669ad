"""Reminders (P14): what Settle sends first. planner.py plans a day (pure); the stored side
by job: facts.py (the day's facts for the planner), sends.py (claiming and finishing a step
exactly once, the stale claims of a dead round), opt_outs.py (STOP and the unsubscribe link),
pauses.py, outcomes.py (what followed a reminder), calendars.py (public holidays);
models.py the tables. The scheduler that sends is api/flows/reminders.py."""
