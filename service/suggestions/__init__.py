"""Partner suggestions: the event's participants adapted to the matching library."""
