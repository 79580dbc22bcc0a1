"""Calendar output: iCalendar feeds, invitations and the helpers the feed endpoints use."""
