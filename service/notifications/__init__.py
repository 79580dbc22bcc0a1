"""Notifications: an outbox of e-mail written in the transaction of the change that
causes it, delivered apart from the request (see delivery.py)."""

# Connects this domain's receivers to the signals of the domains below it (participants
# registered, requests made and answered), whoever imports the package first: the app,
# `meetx` commands, loaders and tests alike.
from service.notifications import service as _receivers  # noqa: F401
