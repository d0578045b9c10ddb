"""The API key format and its stored hash entry: the one definition, shared by the server (auth.py),
`mlfleet serve --print-key-hash` and the Pulumi program that provisions a stack's key. Standard
library only, so the program can import it without the server's dependencies."""

from __future__ import annotations

import hashlib
import secrets

KEY_PREFIX = "mlf_"
# The header clients send the key in (`Authorization: Bearer <key>` works too).
API_KEY_HEADER = "X-API-Key"


def generate_api_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def hash_api_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def hash_entry(name: str, key: str) -> str:
    """The line to put in the keys file (or MLFLEET_API_KEY_HASHES) for `key`: name:sha256:<hex>."""
    return f"{name}:sha256:{hash_api_key(key)}"
