"""What a plan may say about a secret: that it is one, and a fingerprint that changes when it does.

A plan never holds a secret's value (docs/plan-format.md). To show "secret changed" in a diff, the
secret marker carries `fingerprint`: an HMAC-SHA256 of the value the program saw under the mock
runtime, truncated to 64 bits. That value is never a decrypted secret: a `secure:` config value
reaches the program as a placeholder derived from its ciphertext (which the stack file already
publishes), so rotating a secret (a new ciphertext) changes the fingerprint and reveals nothing a
reader of the repository does not have. Values the program makes secret itself (a literal wrapped in
`Output.secret`, a key declared `secret: true`, a mocked random password) are fingerprinted too:
they are either in the repository already or mocked. The key is fixed and public (it only
separates this use of SHA-256 from others), so a fingerprint of a guessable plaintext could be
confirmed by brute force: do not feed the offline preview real plaintext secrets from outside the
repository (environment variables, files).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from typing import Any

from pulumi.runtime import rpc

# Pulumi's secret signature: a wire value {SECRET_SIG: SECRET_VALUE, "value": ...} is a secret; a
# plan's marker has the signature and no value.
SECRET_SIG = rpc._special_sig_key  # "4dabf18193072939515e22adb298388d"
SECRET_VALUE = rpc._special_secret_sig  # "1b47061264138c4ac30d75fd1eb44270"
_KEY = b"mlfleet.plan/secret-fingerprint/v1"
# The value a `secure:` config value has under the mock runtime: never decrypted, but different for
# every ciphertext, so a rotated secret reaches the resources that read it as a different value.
SECURE_PREFIX = "[secret"
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def fingerprint(value: Any) -> str:
    """64-bit keyed hash of a plan value (canonical JSON), as 16 hex digits."""
    data = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    return hmac.new(_KEY, data, hashlib.sha256).hexdigest()[:16]


def secure_placeholder(ciphertext: Any) -> str:
    """`[secret:<12 hex of SHA-256 of the ciphertext>]`: stands in for a `secure:` value."""
    digest = hashlib.sha256(str(ciphertext).encode()).hexdigest()[:12]
    return f"{SECURE_PREFIX}:{digest}]"


def is_secure_placeholder(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(SECURE_PREFIX) and value.endswith("]")


def join_path(path: str, key: str | int) -> str:
    """A property path as `mlfleet diff` prints it: `a.b`, `a[0]`, `a["not.an-identifier"]`. Plans
    key secret fingerprints by it, so the diff finds a secret's fingerprint by the path it is at."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    if not path or _IDENTIFIER.match(key):
        return f"{path}.{key}" if path else key
    return f"{path}[{json.dumps(key, ensure_ascii=False)}]"


def is_secret(value: Any) -> bool:
    """A secret on the wire (with its value) or a plan's secret marker (without)."""
    return isinstance(value, dict) and value.get(SECRET_SIG) == SECRET_VALUE


def contains_secret(value: Any) -> bool:
    if is_secret(value):
        return True
    if isinstance(value, dict):
        return any(contains_secret(v) for v in value.values())
    if isinstance(value, list):
        return any(contains_secret(v) for v in value)
    return False


def mask_secrets(value: Any, shown: str = "[secret]") -> Any:
    """`value` with every secret (wire or marker) replaced by `shown`."""
    if is_secret(value):
        return shown
    if isinstance(value, dict):
        return {k: mask_secrets(v, shown) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_secrets(v, shown) for v in value]
    return value
