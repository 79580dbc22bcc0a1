"""Notifications: an outbox of e-mail written in the transaction of the change that
causes it, delivered apart from the request (see delivery.py)."""
