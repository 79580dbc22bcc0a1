"""Organisations: provinces, firms, associations, localities and agencies."""
