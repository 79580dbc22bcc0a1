"""MeetX: matchmaking and B2B meeting scheduling for Meet-X investment conferences."""

__version__ = "0.1.0"
