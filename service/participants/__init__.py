"""Participants: an organisation's registration for one event, with its delegates."""
