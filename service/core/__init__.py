"""Shared plumbing every domain uses: settings, database, errors, middleware, logs,
the migrations runner and token security. Imports nothing from the domains."""
