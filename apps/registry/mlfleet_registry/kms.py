"""Registry signing keys in a cloud KMS: the private key never leaves it; the public key is fetched
once and signatures are verified locally with `cryptography`, so readers need only read-public-key.

URIs follow sigstore/cosign's KMS schemes (docs.sigstore.dev/cosign/key_management/overview,
"awskms://", "gcpkms://", "azurekms://"):
- `awskms:///<key ARN | key id | alias/name>` (optionally `awskms://<endpoint host>/<key>`): a KMS key
  with KeySpec ECC_NIST_P256, KeyUsage SIGN_VERIFY, signed with ECDSA_SHA_256 (AWS KMS API Reference,
  Sign: a RAW message up to 4096 bytes; GetPublicKey returns DER SubjectPublicKeyInfo).
  The endpoint may also come from botocore's AWS_ENDPOINT_URL_KMS (emulators).
- `gcpkms://projects/P/locations/L/keyRings/R/cryptoKeys/K/cryptoKeyVersions/V`: algorithm
  EC_SIGN_P256_SHA256 (Cloud KMS REST v1, cryptoKeyVersions.asymmetricSign with `digest.sha256`,
  cryptoKeyVersions.getPublicKey returns `pem` + `algorithm`).
- `azurekms://<vault>.vault.azure.net/<key>/<version>`: an EC P-256 key, signed with ES256 (Key Vault
  REST 7.4, keys/sign returns the JWS raw r||s signature, RFC 7518 section 3.4; keys/get returns the
  public JWK). Without a version, the key's current version.
What is signed is the SHA-256 of the canonical object (mlfleet_registry.signing.signed_message);
signatures are stored DER-encoded whatever the KMS returns (mlfleet_registry.signing.ECDSA_P256).
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from mlfleet_registry.errors import RegistryError
from mlfleet_registry.signing import DigestSigner

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ec import EllipticCurvePublicKey

SCHEMES = ("awskms", "gcpkms", "azurekms")
# Key Vault REST API version used for keys/get and keys/sign.
AZURE_API_VERSION = "7.4"
AZURE_SCOPE = "https://vault.azure.net/.default"
GCP_KMS_ENDPOINT = "https://cloudkms.googleapis.com/v1"
GCP_SCOPE = "https://www.googleapis.com/auth/cloudkms"
READ_KEY_PERMISSION = "Microsoft.KeyVault/vaults/keys/read"
_GCP_NAME = re.compile(
    r"^projects/[^/]+/locations/[^/]+/keyRings/[^/]+/cryptoKeys/[^/]+/cryptoKeyVersions/[0-9]+$"
)
_AWS_KEY = re.compile(
    r"^(arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:(key/[0-9a-zA-Z-]+|alias/[A-Za-z0-9/_-]+)"
    r"|[0-9a-fA-F-]{36}|mrk-[0-9a-f]{32}|alias/[A-Za-z0-9/_-]+)$"
)
_TIMEOUT = 15.0


@dataclass(frozen=True)
class KmsKey:
    """A parsed KMS URI. `variable` is the environment variable it came from (for error messages)."""

    scheme: str
    uri: str
    variable: str
    # awskms: the key id/ARN/alias and optional endpoint; gcpkms: the version's resource name;
    # azurekms: the vault URL, key name and version ("" = current).
    key: str
    endpoint: str = ""
    version: str = ""

    def error(self, what: str, fix: str) -> RegistryError:
        return RegistryError(f"${self.variable}={self.uri}: {what}; {fix}")


def parse_kms_uri(uri: str, variable: str) -> KmsKey:
    """Parse an awskms:// gcpkms:// azurekms:// URI; a one-line error naming the variable otherwise."""
    parts = urlsplit(uri)
    if parts.scheme not in SCHEMES:
        raise RegistryError(
            f"${variable}={uri}: unknown key scheme {parts.scheme!r}; use a PEM file path or one of "
            "awskms:///<key ARN>, gcpkms://projects/.../cryptoKeyVersions/<n>, "
            "azurekms://<vault>.vault.azure.net/<key>/<version>"
        )
    if parts.query or parts.fragment:
        raise RegistryError(f"${variable}={uri}: a KMS key URI has no query or fragment; remove them")
    if parts.scheme == "awskms":
        key = parts.path.removeprefix("/")
        if not _AWS_KEY.match(key):
            raise RegistryError(
                f"${variable}={uri}: {key!r} is not a KMS key ARN, key id or alias/name; "
                "use awskms:///arn:aws:kms:<region>:<account>:key/<key id>"
            )
        return KmsKey("awskms", uri, variable, key, endpoint=parts.netloc)
    if parts.scheme == "gcpkms":
        name = f"{parts.netloc}{parts.path}"
        if not _GCP_NAME.match(name):
            raise RegistryError(
                f"${variable}={uri}: not a crypto key version; use gcpkms://projects/<p>/locations/<l>/"
                "keyRings/<r>/cryptoKeys/<k>/cryptoKeyVersions/<n>"
            )
        return KmsKey("gcpkms", uri, variable, name)
    segments = [s for s in parts.path.split("/") if s]
    if not parts.netloc or not 1 <= len(segments) <= 2:
        raise RegistryError(
            f"${variable}={uri}: not a Key Vault key; use azurekms://<vault>.vault.azure.net/<key>/<version>"
        )
    vault = f"https://{parts.netloc}"
    return KmsKey("azurekms", uri, variable, segments[0], endpoint=vault, version=[*segments, ""][1])


def raw_to_der(raw: bytes) -> bytes:
    """JWS ECDSA P-256 signature (32-byte r || 32-byte s, RFC 7518 section 3.4) -> DER (X9.62)."""
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

    if len(raw) != 64:
        raise ValueError(f"an ES256 signature has 64 bytes, got {len(raw)}")
    return encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))


def der_to_raw(der: bytes) -> bytes:
    """DER (X9.62) ECDSA P-256 signature -> 64-byte r || s."""
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

    r, s = decode_dss_signature(der)
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def _b64url_decode(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


def jwk_to_public_key(jwk: dict[str, Any]) -> EllipticCurvePublicKey:
    """A Key Vault EC JWK (kty EC/EC-HSM, crv P-256, x, y base64url) -> a `cryptography` public key."""
    from cryptography.hazmat.primitives.asymmetric import ec

    if jwk.get("kty") not in ("EC", "EC-HSM") or jwk.get("crv") != "P-256":
        raise ValueError(f"is a {jwk.get('kty')} {jwk.get('crv')} key, not an EC P-256 key")
    x, y = (int.from_bytes(_b64url_decode(str(jwk[c])), "big") for c in ("x", "y"))
    return ec.EllipticCurvePublicNumbers(x, y, ec.SECP256R1()).public_key()


# --- AWS KMS (botocore, already a dependency through s3fs) ---------------------------------------


def _aws_client(key: KmsKey) -> Any:
    import botocore.session
    from botocore.config import Config

    # The ARN names the key's region; a bare key id or alias uses the workload's region.
    region = key.key.split(":")[3] if key.key.startswith("arn:") else None
    region = region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    endpoint = f"https://{key.endpoint}" if key.endpoint else None
    session = botocore.session.get_session()
    # A dead endpoint fails in seconds, not after botocore's default retries (~12 s here).
    config = Config(connect_timeout=3, read_timeout=_TIMEOUT, retries={"max_attempts": 2, "mode": "standard"})
    return _aws_call(
        key,
        "client",
        lambda: session.create_client("kms", region_name=region, endpoint_url=endpoint, config=config),
    )


def _aws_call(key: KmsKey, operation: str, call: Callable[[], Any]) -> Any:
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError, NoRegionError

    permission = f"kms:{operation}"
    try:
        return call()
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        denied = (
            "AccessDeniedException",
            "AccessDenied",
            "UnrecognizedClientException",
            "InvalidSignatureException",
        )
        if code in denied or status == 403:
            raise key.error(
                f"AWS KMS refused {operation} ({code})",
                f"grant this identity {permission} on the key (the stack does: trainer Sign+GetPublicKey, "
                "serving GetPublicKey)",
            ) from None
        if code == "NotFoundException":
            raise key.error("AWS KMS has no such key", "check the key ARN and region") from None
        raise key.error(f"AWS KMS {operation} failed ({code})", "use an ECC_NIST_P256 key") from None
    except NoCredentialsError:
        raise key.error("no AWS credentials", "run with the workload's IAM role or set AWS_PROFILE") from None
    except NoRegionError:
        raise key.error("no AWS region", "use the key ARN (it names the region) or set AWS_REGION") from None
    except BotoCoreError as exc:
        raise key.error(f"AWS KMS unreachable ({exc})", "check the network / AWS_ENDPOINT_URL_KMS") from None


def _aws_public_key(key: KmsKey, client: Any) -> EllipticCurvePublicKey:
    from cryptography.hazmat.primitives import serialization

    answer = _aws_call(key, "GetPublicKey", lambda: client.get_public_key(KeyId=key.key))
    # KeySpec; CustomerMasterKeySpec is its deprecated twin (the only one some emulators return).
    spec = answer.get("KeySpec") or answer.get("CustomerMasterKeySpec")
    if spec != "ECC_NIST_P256" or answer.get("KeyUsage") != "SIGN_VERIFY":
        raise key.error(
            f"the key is {spec} {answer.get('KeyUsage')}",
            "use a KeySpec ECC_NIST_P256, KeyUsage SIGN_VERIFY key",
        )
    return serialization.load_der_public_key(answer["PublicKey"])  # type: ignore[return-value]


def _aws_signer(key: KmsKey) -> DigestSigner:
    client = _aws_client(key)

    def sign(message: bytes) -> bytes:
        answer = _aws_call(
            key,
            "Sign",
            lambda: client.sign(
                KeyId=key.key, Message=message, MessageType="RAW", SigningAlgorithm="ECDSA_SHA_256"
            ),
        )
        return bytes(answer["Signature"])  # DER already

    return DigestSigner(_aws_public_key(key, client), sign, key.uri)


# --- Cloud KMS (REST with google-auth, already a dependency through gcsfs) ------------------------


def _gcp_session(key: KmsKey) -> Any:
    import google.auth
    from google.auth.exceptions import DefaultCredentialsError
    from google.auth.transport.requests import AuthorizedSession

    try:
        credentials, _ = google.auth.default(scopes=[GCP_SCOPE])
    except DefaultCredentialsError:
        raise key.error(
            "no Google credentials",
            "run with GKE Workload Identity or set GOOGLE_APPLICATION_CREDENTIALS",
        ) from None
    return AuthorizedSession(credentials)


def _http(key: KmsKey, service: str, permission: str, call: Callable[[], Any]) -> dict[str, Any]:
    """One REST call to Cloud KMS / Key Vault with every failure as one line naming the fix."""
    import requests
    from google.auth.exceptions import GoogleAuthError

    try:
        response = call()
    except (requests.RequestException, GoogleAuthError, OSError) as exc:
        what = f"{service} unreachable ({type(exc).__name__})"
        raise key.error(what, "check the network path and credentials") from None
    except Exception as exc:  # azure-identity raises its own ClientAuthenticationError
        if type(exc).__name__ in ("ClientAuthenticationError", "CredentialUnavailableError"):
            raise key.error(
                f"no Azure credentials ({type(exc).__name__})",
                "run with Azure Workload Identity (AZURE_CLIENT_ID, AZURE_FEDERATED_TOKEN_FILE)",
            ) from None
        raise
    if response.status_code in (401, 403):
        what = f"{service} answered {response.status_code}"
        raise key.error(what, f"grant this identity {permission} on the key") from None
    if response.status_code == 404:
        raise key.error(f"{service} has no such key (404)", "check the key name and version") from None
    if response.status_code >= 400:
        what = f"{service} answered {response.status_code}: {response.text[:200]}"
        raise key.error(what, "check the key") from None
    return dict(response.json())


def _gcp_public_key(key: KmsKey, session: Any) -> EllipticCurvePublicKey:
    from cryptography.hazmat.primitives import serialization

    url = f"{GCP_KMS_ENDPOINT}/{key.key}/publicKey"
    answer = _http(
        key,
        "Cloud KMS",
        "roles/cloudkms.publicKeyViewer",
        lambda: session.get(url, timeout=_TIMEOUT),
    )
    if answer.get("algorithm") != "EC_SIGN_P256_SHA256":
        raise key.error(f"the key version is {answer.get('algorithm')}", "use an EC_SIGN_P256_SHA256 key")
    return serialization.load_pem_public_key(str(answer["pem"]).encode())  # type: ignore[return-value]


def _gcp_signer(key: KmsKey) -> DigestSigner:
    session = _gcp_session(key)

    def sign(message: bytes) -> bytes:
        body = {"digest": {"sha256": base64.b64encode(hashlib.sha256(message).digest()).decode()}}
        url = f"{GCP_KMS_ENDPOINT}/{key.key}:asymmetricSign"
        answer = _http(
            key, "Cloud KMS", "roles/cloudkms.signer", lambda: session.post(url, json=body, timeout=_TIMEOUT)
        )
        return base64.b64decode(answer["signature"])  # DER for EC keys

    return DigestSigner(_gcp_public_key(key, session), sign, key.uri)


# --- Azure Key Vault (REST with azure-identity, already a dependency through adlfs) ---------------


class _AzureSession:
    """Bearer-token requests to one vault as the workload's identity (DefaultAzureCredential)."""

    def __init__(self) -> None:
        from azure.identity import DefaultAzureCredential

        self._credential = DefaultAzureCredential(exclude_interactive_browser_credential=True)

    def request(self, method: str, url: str, body: dict[str, Any] | None = None) -> Any:
        import requests

        token = self._credential.get_token(AZURE_SCOPE).token
        headers = {"Authorization": f"Bearer {token}"}
        # nextLink URLs of paged answers carry their api-version already.
        params = {} if "api-version=" in url else {"api-version": AZURE_API_VERSION}
        return requests.request(method, url, params=params, json=body, headers=headers, timeout=_TIMEOUT)


def _azure_key_url(key: KmsKey) -> str:
    return f"{key.endpoint}/keys/{key.key}" + (f"/{key.version}" if key.version else "")


def _azure_public_key(key: KmsKey, session: _AzureSession) -> tuple[EllipticCurvePublicKey, str]:
    """The public key and the version's full key id (`kid`), which signing then pins."""
    answer = _http(
        key,
        "Key Vault",
        READ_KEY_PERMISSION,
        lambda: session.request("GET", _azure_key_url(key)),
    )
    jwk = answer.get("key") or {}
    try:
        return jwk_to_public_key(jwk), str(jwk.get("kid", _azure_key_url(key)))
    except (ValueError, KeyError) as exc:
        raise key.error(f"the key {exc}", "use an EC P-256 key (ES256)") from None


def _azure_signer(key: KmsKey) -> DigestSigner:
    session = _AzureSession()
    public, kid = _azure_public_key(key, session)

    def sign(message: bytes) -> bytes:
        digest = hashlib.sha256(message).digest()
        body = {"alg": "ES256", "value": base64.urlsafe_b64encode(digest).decode().rstrip("=")}
        answer = _http(
            key,
            "Key Vault",
            "Microsoft.KeyVault/vaults/keys/sign/action",
            lambda: session.request("POST", f"{kid}/sign", body),
        )
        return raw_to_der(_b64url_decode(str(answer["value"])))

    return DigestSigner(public, sign, key.uri)


# --- entry points ----------------------------------------------------------------------------------


def kms_signer(uri: str, variable: str) -> DigestSigner:
    """A signer for the KMS key at `uri` (reads its public key once: needs sign + read-public-key)."""
    key = parse_kms_uri(uri, variable)
    if key.scheme == "awskms":
        return _aws_signer(key)
    if key.scheme == "gcpkms":
        return _gcp_signer(key)
    return _azure_signer(key)


def kms_public_key(uri: str, variable: str) -> EllipticCurvePublicKey:
    """The public key of the KMS key at `uri`, fetched once (needs only read-public-key)."""
    key = parse_kms_uri(uri, variable)
    if key.scheme == "awskms":
        return _aws_public_key(key, _aws_client(key))
    if key.scheme == "gcpkms":
        return _gcp_public_key(key, _gcp_session(key))
    return _azure_public_key(key, _AzureSession())[0]


def kms_public_keys(uri: str, variable: str) -> list[EllipticCurvePublicKey]:
    """Every public key a reader of `uri` trusts: one, or for a versionless Key Vault URI (a key that
    rotates by policy) every enabled version's (keys/versions, then keys/get per version)."""
    key = parse_kms_uri(uri, variable)
    if not rotates(key):
        return [kms_public_key(uri, variable)]
    session = _AzureSession()
    url, kids = f"{_azure_key_url(key)}/versions", []
    while url:
        page = _http(key, "Key Vault", READ_KEY_PERMISSION, partial(session.request, "GET", url))
        kids += [
            str(v["kid"]) for v in page.get("value", []) if (v.get("attributes") or {}).get("enabled", True)
        ]
        url = str(page.get("nextLink") or "")
    versions = [
        KmsKey(key.scheme, key.uri, key.variable, key.key, key.endpoint, kid.rsplit("/", 1)[-1])
        for kid in kids
    ]
    return [_azure_public_key(version, session)[0] for version in versions]


def rotates(key: KmsKey) -> bool:
    """Whether new versions can appear behind this URI (a versionless Key Vault key rotating by policy);
    readers then look the keys up again when a signature names a key id they do not know."""
    return key.scheme == "azurekms" and not key.version
