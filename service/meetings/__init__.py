"""Meeting requests, scheduled meetings and the scheduler run."""
