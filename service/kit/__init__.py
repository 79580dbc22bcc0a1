"""Small helpers with no knowledge of the domains: conditional requests, CSV safety,
pagination, text folding for search, shared field types."""
