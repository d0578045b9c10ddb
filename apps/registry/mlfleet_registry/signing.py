"""Signatures over registry metadata (manifests, alias entries, tombstones, audit events).

Two kinds of keys, one interface (`sign(obj)` / `Verifier.problem(obj)`):
- a local Ed25519 key (`mlfleet models keygen`): MLFLEET_SIGNING_KEY=<PEM file>;
- an asymmetric P-256 key in the cloud KMS (mlfleet_registry.kms): MLFLEET_SIGNING_KEY=<KMS URI>,
  `awskms:///arn:aws:kms:...`, `gcpkms://projects/.../cryptoKeyVersions/N`,
  `azurekms://<vault>.vault.azure.net/<key>/<version>` (sigstore/cosign's URI schemes). The private
  key never leaves the KMS; the digest is signed there.

Readers set MLFLEET_VERIFY_KEYS to one or more comma-separated PEM files, KMS URIs or PEM public keys
written inline (`-----BEGIN PUBLIC KEY-----...`: how a multi-cloud stack hands every cell the primary
cell's public key, which its pods could not fetch from another cloud's KMS). A KMS public
key is fetched once (read-public-key permission only) and signatures are verified locally. Each
signature names its key by `key_id` (sha256 of the public key), so a reader holding several keys
(the old and the new one during a rotation) picks the right one. With verify keys set, an unsigned
or badly signed object is refused by `load`/`set_alias` and reported by `verify`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import time
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from mlfleet_registry.errors import RegistryError

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ec import EllipticCurvePublicKey
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    PublicKey = Ed25519PublicKey | EllipticCurvePublicKey

SIGNING_KEY_ENV = "MLFLEET_SIGNING_KEY"
VERIFY_KEYS_ENV = "MLFLEET_VERIFY_KEYS"
ALGORITHM = "ed25519"
# ECDSA on P-256 over SHA-256, DER-encoded (X9.62) signature: what AWS KMS ECDSA_SHA_256,
# Cloud KMS EC_SIGN_P256_SHA256 and Key Vault ES256 (after raw r||s -> DER) produce.
ECDSA_P256 = "ecdsa-p256-sha256"
# How often a verifier may look a rotating KMS key up again for an unknown key id.
REFRESH_SECONDS = 60.0


def canonical(obj: dict[str, Any]) -> bytes:
    """The signed bytes: the object without its `signature`, as sorted compact JSON."""
    body = {k: v for k, v in obj.items() if k != "signature"}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def _key_id(public_raw: bytes) -> str:
    return hashlib.sha256(public_raw).hexdigest()[:16]


def key_id_of(key: PublicKey) -> str:
    """Ed25519: sha256 of the raw public key (as since the first signed registries); EC: of the DER
    SubjectPublicKeyInfo. The same key has the same id whether it comes from a file or a KMS."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    if isinstance(key, Ed25519PublicKey):
        return _key_id(key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw))
    spki = serialization.PublicFormat.SubjectPublicKeyInfo
    return _key_id(key.public_bytes(serialization.Encoding.DER, spki))


def algorithm_of(key: PublicKey) -> str:
    """The signature algorithm a public key verifies; a one-line error for anything else."""
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    if isinstance(key, Ed25519PublicKey):
        return ALGORITHM
    if isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1):
        return ECDSA_P256
    raise ValueError("is neither an Ed25519 nor an EC P-256 key")


class ObjectSigner(Protocol):
    """What the registry needs from a signer: local (`Signer`) or KMS-backed (mlfleet_registry.kms)."""

    key_id: str

    def sign(self, obj: dict[str, Any]) -> dict[str, str]: ...


class Signer:
    """A local Ed25519 private key (PEM, PKCS#8)."""

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
        self.key_id = key_id_of(key.public_key())

    def sign(self, obj: dict[str, Any]) -> dict[str, str]:
        signature = self._key.sign(canonical(obj))
        return {"alg": ALGORITHM, "key_id": self.key_id, "value": base64.b64encode(signature).decode()}


class DigestSigner:
    """ECDSA P-256 with the private key elsewhere (a KMS). The signed message is the 32-byte SHA-256
    of the canonical bytes (`signed_message`), which the KMS hashes once more under ECDSA_SHA_256:
    AWS gets it as a RAW message (moto implements RAW only), Cloud KMS and Key Vault get its digest.
    `sign_message(message) -> DER signature`. Each signature is checked against the public key
    before it is stored, so a misconfigured key fails at publish, not at the first load."""

    def __init__(self, public_key: PublicKey, sign_message: Callable[[bytes], bytes], where: str) -> None:
        if algorithm_of(public_key) != ECDSA_P256:
            raise RegistryError(f"{where} is not an EC P-256 signing key")
        self._public = public_key
        self._sign_message = sign_message
        self._where = where
        self.key_id = key_id_of(public_key)

    def sign(self, obj: dict[str, Any]) -> dict[str, str]:
        data = canonical(obj)
        signature = self._sign_message(signed_message(ECDSA_P256, data))
        if verify_signature(self._public, ECDSA_P256, signature, data) is not None:
            raise RegistryError(f"{self._where} returned a signature its own public key does not verify")
        return {"alg": ECDSA_P256, "key_id": self.key_id, "value": base64.b64encode(signature).decode()}


def signed_message(alg: str, data: bytes) -> bytes:
    """What the signature is over: Ed25519 the canonical bytes; ECDSA their SHA-256 (<= 4096 bytes,
    the AWS KMS Sign limit for a RAW message, whatever the manifest's size)."""
    return hashlib.sha256(data).digest() if alg == ECDSA_P256 else data


def verify_signature(key: PublicKey, alg: str, signature: bytes, data: bytes) -> str | None:
    """None if `signature` over `data` verifies with `key` under `alg`, else what is wrong."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        if alg == ALGORITHM and isinstance(key, Ed25519PublicKey):
            key.verify(signature, data)
        elif alg == ECDSA_P256 and isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, signed_message(alg, data), ec.ECDSA(hashes.SHA256()))
        else:
            return f"is signed with {alg}, which its key ({algorithm_of(key)}) does not verify"
    except (InvalidSignature, ValueError):
        return "has a signature that does not verify (edited after it was signed)"
    return None


class Verifier:
    """Trusted public keys by key id: PEM files (`public_pems`) and keys fetched from a KMS (`add`)."""

    def __init__(self, public_pems: Sequence[tuple[str, bytes]] = ()) -> None:
        from cryptography.hazmat.primitives import serialization

        self._keys: dict[str, PublicKey] = {}
        self._sources: list[tuple[str, Callable[[], list[PublicKey]]]] = []
        self._refreshed = 0.0
        for where, pem in public_pems:
            try:
                key = serialization.load_pem_public_key(pem)
            except (ValueError, TypeError) as exc:
                raise RegistryError(f"{where} is not a PEM public key: {exc}") from None
            self.add(where, key)  # type: ignore[arg-type]

    def add_source(self, where: str, fetch: Callable[[], list[PublicKey]], refresh: bool) -> None:
        """Trust the keys `fetch` returns now; with `refresh`, fetch again (at most once a minute)
        when a signature names a key id not trusted yet (a KMS key that gained a version)."""
        for key in fetch():
            self.add(where, key)
        if refresh:
            self._sources.append((where, fetch))

    def _refresh(self) -> bool:
        if not self._sources or time.monotonic() - self._refreshed < REFRESH_SECONDS:
            return False
        self._refreshed = time.monotonic()
        for where, fetch in self._sources:
            try:
                for key in fetch():
                    self.add(where, key)
            except RegistryError:
                continue  # keep the keys already trusted; the signature is reported as unknown
        return True

    def add(self, where: str, key: PublicKey) -> str:
        """Trust `key` (Ed25519 or EC P-256); returns its key id."""
        try:
            algorithm_of(key)
        except ValueError as exc:
            raise RegistryError(f"{where} {exc}") from None
        key_id = key_id_of(key)
        self._keys[key_id] = key
        return key_id

    @property
    def key_ids(self) -> list[str]:
        return sorted(self._keys)

    def problem(self, obj: dict[str, Any]) -> str | None:
        """None if `obj` carries a valid signature by a trusted key, else what is wrong."""
        signature = obj.get("signature")
        if not isinstance(signature, dict):
            return "is not signed"
        key = self._keys.get(str(signature.get("key_id")))
        if key is None and self._refresh():
            key = self._keys.get(str(signature.get("key_id")))
        alg = signature.get("alg")
        if alg not in (ALGORITHM, ECDSA_P256) or key is None:
            return f"is signed by an unknown key ({alg} {signature.get('key_id')})"
        try:
            value = base64.b64decode(str(signature.get("value", "")), validate=True)
        except ValueError:
            return "has a signature that does not verify (not base64)"
        return verify_signature(key, str(alg), value, canonical(obj))


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


def _is_uri(value: str) -> bool:
    return "://" in value


def signer_from_env() -> ObjectSigner | None:
    """$MLFLEET_SIGNING_KEY: a KMS URI or an Ed25519 PEM file; None if unset (unsigned registry)."""
    value = os.environ.get(SIGNING_KEY_ENV, "").strip()
    if not value:
        return None
    if _is_uri(value):
        from mlfleet_registry.kms import kms_signer

        return kms_signer(value, SIGNING_KEY_ENV)
    return Signer(_read(value, f"signing key (${SIGNING_KEY_ENV})"), value)


def _is_inline_pem(value: str) -> bool:
    return value.startswith("-----BEGIN ")


def verifier_from_env() -> Verifier | None:
    """$MLFLEET_VERIFY_KEYS: comma-separated KMS URIs, PEM files and/or inline PEM public keys (a PEM
    has no comma); None if unset."""
    entries = [p.strip() for p in os.environ.get(VERIFY_KEYS_ENV, "").split(",") if p.strip()]
    if not entries:
        return None
    what = f"verify key (${VERIFY_KEYS_ENV})"
    pems = [
        (f"inline public key #{n} in ${VERIFY_KEYS_ENV}", p.encode())
        if _is_inline_pem(p)
        else (p, _read(p, what))
        for n, p in enumerate(entries, 1)
        if not _is_uri(p)
    ]
    verifier = Verifier(pems)
    uris = [p for p in entries if _is_uri(p)]
    if uris:
        from mlfleet_registry.kms import kms_public_keys, parse_kms_uri, rotates

        for uri in uris:
            refresh = rotates(parse_kms_uri(uri, VERIFY_KEYS_ENV))
            verifier.add_source(uri, partial(kms_public_keys, uri, VERIFY_KEYS_ENV), refresh)  # type: ignore[arg-type]
    return verifier
