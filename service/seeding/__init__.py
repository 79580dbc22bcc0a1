"""Loaders that turn the records of seeds/ into rows: reference data at every start, the
demo event on request. They sit above the domains and call their services."""
