"""Check-ins, meeting attendance and feedback: what happened at and after each meeting."""
