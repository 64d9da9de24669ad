"""Conversations, their messages, and what the channels remember between deliveries."""
