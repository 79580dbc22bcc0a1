"""The scheduler run: builds the problem from an event, solves it with matching.scheduler
and applies the answer to the meetings."""
