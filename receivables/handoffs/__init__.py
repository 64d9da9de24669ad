"""Conversations handed to a person: the queue, claims, outcomes, the summary a collector reads first, and when collectors work."""
