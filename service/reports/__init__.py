"""Results reports by province, partner country, sector and event."""
