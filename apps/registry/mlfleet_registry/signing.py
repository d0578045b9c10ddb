"""Signatures over registry metadata (manifests, alias entries, tombstones, audit events): Ed25519
with a local key (`cryptography`). A KMS-backed signer (the stack's bucket key, asymmetric signing
keys on AWS KMS / Cloud KMS / Key Vault) would implement the same two methods; see docs/registry.md.

Publishers set MLFLEET_SIGNING_KEY to an Ed25519 private key (PEM, PKCS#8); readers set
MLFLEET_VERIFY_KEYS to one or more public keys (PEM files, comma-separated). With verify keys set,
an unsigned or badly signed object is refused by `load`/`set_alias` and reported by `verify`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from pathlib import Path
from typing import Any

from mlfleet_registry.errors import RegistryError

SIGNING_KEY_ENV = "MLFLEET_SIGNING_KEY"
VERIFY_KEYS_ENV = "MLFLEET_VERIFY_KEYS"
ALGORITHM = "ed25519"


def canonical(obj: dict[str, Any]) -> bytes:
    """The signed bytes: the object without its `signature`, as sorted compact JSON."""
    body = {k: v for k, v in obj.items() if k != "signature"}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def _key_id(public_raw: bytes) -> str:
    return hashlib.sha256(public_raw).hexdigest()[:16]


class Signer:
    def __init__(self, private_pem: bytes, where: str = "signing key") -> None:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        try:
            key = serialization.load_pem_private_key(private_pem, password=None)
        except (ValueError, TypeError) as exc:
            raise RegistryError(f"{where} is not a PEM private key: {exc}") from None
        if not isinstance(key, Ed25519PrivateKey):
            raise RegistryError(f"{where} is not an Ed25519 key")
        self._key = key
        raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        self.key_id = _key_id(raw)

    def sign(self, obj: dict[str, Any]) -> dict[str, str]:
        signature = self._key.sign(canonical(obj))
        return {"alg": ALGORITHM, "key_id": self.key_id, "value": base64.b64encode(signature).decode()}


class Verifier:
    def __init__(self, public_pems: list[tuple[str, bytes]]) -> None:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

        self._keys: dict[str, Ed25519PublicKey] = {}
        for where, pem in public_pems:
            try:
                key = serialization.load_pem_public_key(pem)
            except (ValueError, TypeError) as exc:
                raise RegistryError(f"{where} is not a PEM public key: {exc}") from None
            if not isinstance(key, Ed25519PublicKey):
                raise RegistryError(f"{where} is not an Ed25519 public key")
            raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
            self._keys[_key_id(raw)] = key

    def problem(self, obj: dict[str, Any]) -> str | None:
        """None if `obj` carries a valid signature by a trusted key, else what is wrong."""
        from cryptography.exceptions import InvalidSignature

        signature = obj.get("signature")
        if not isinstance(signature, dict):
            return "is not signed"
        key = self._keys.get(str(signature.get("key_id")))
        if signature.get("alg") != ALGORITHM or key is None:
            return f"is signed by an unknown key ({signature.get('alg')} {signature.get('key_id')})"
        try:
            key.verify(base64.b64decode(str(signature.get("value", ""))), canonical(obj))
        except (InvalidSignature, ValueError):
            return "has a signature that does not verify (edited after it was signed)"
        return None


def generate_key(path: Path) -> tuple[Path, str]:
    """Write a new Ed25519 private key (mode 0600) to `path` and its public key to `path`.pub."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(private)
    pub = path.with_name(path.name + ".pub")
    pub.write_bytes(public)
    return pub, Signer(private).key_id


def _read(path: str, what: str) -> bytes:
    try:
        return Path(path).expanduser().read_bytes()
    except OSError as exc:
        raise RegistryError(f"cannot read the {what} {path}: {exc.strerror}") from None


def signer_from_env() -> Signer | None:
    path = os.environ.get(SIGNING_KEY_ENV)
    return Signer(_read(path, f"signing key (${SIGNING_KEY_ENV})"), path) if path else None


def verifier_from_env() -> Verifier | None:
    paths = [p.strip() for p in os.environ.get(VERIFY_KEYS_ENV, "").split(",") if p.strip()]
    if not paths:
        return None
    return Verifier([(p, _read(p, f"verify key (${VERIFY_KEYS_ENV})")) for p in paths])
