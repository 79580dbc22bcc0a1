"""Access tokens: random, shown once, stored only as a hash."""

from __future__ import annotations

import hashlib
import hmac
import secrets

TOKEN_BYTES = 32  # 256 bits of entropy
PARTICIPANT_PREFIX = "mxp"
ORGANIZER_PREFIX = "mxo"
# Longer presented tokens are not looked up at all: ours are about 47 characters.
MAX_TOKEN_LENGTH = 200


def new_token(prefix: str) -> str:
    """A fresh token; the prefix ('mxp' participant, 'mxo' organiser) tells them apart
    in support requests without revealing anything."""
    return f"{prefix}_{secrets.token_urlsafe(TOKEN_BYTES)}"


def hash_token(token: str) -> str:
    """SHA-256 of the token. The tokens carry 256 random bits, so a fast unsalted hash
    is safe here and lets the database look a token up by its hash."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def lookup_hash(token: str) -> str | None:
    """The hash to look a presented token up by, or None for one that cannot be ours
    (empty, or longer than :data:`MAX_TOKEN_LENGTH`): no query for those."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    return hash_token(token)


def same_secret(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))
