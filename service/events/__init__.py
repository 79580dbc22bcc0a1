"""Events (one Meet-X edition) and their sessions."""
