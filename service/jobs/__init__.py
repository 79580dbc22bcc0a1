"""Background jobs: long work (scheduler runs, imports, mail, index builds) off the request."""
