"""Meeting requests and pair preferences: who asked whom, the answers, wishes and blocks."""
