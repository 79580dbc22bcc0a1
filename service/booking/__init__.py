"""Live booking: common free times of two participants, and booking an accepted request
at once in events whose ``booking_mode`` is ``live``."""
