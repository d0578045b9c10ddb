"""Authentication: API keys stored as sha256 hashes, and optional JWT bearer tokens.

API keys are 256-bit random tokens, so a single sha256 is enough to store them (no password
stretching needed); we look up by hash, never compare the plaintext.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mlfleet_serving.errors import ApiError
from mlfleet_serving.keys import KEY_PREFIX, generate_api_key, hash_api_key, hash_entry
from mlfleet_serving.settings import ServingSettings

__all__ = ["KEY_PREFIX", "Authenticator", "ConfigError", "generate_api_key", "hash_api_key", "hash_entry"]


class ConfigError(ValueError):
    """Bad server configuration (reported before the server starts)."""


def parse_hash_entries(lines: list[str], source: str) -> dict[str, str]:
    """Map sha256 hex -> key name from 'name:sha256:<64 hex>' entries (blank and # lines skipped)."""
    hashes: dict[str, str] = {}
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split(":")
        if len(parts) != 3 or parts[1] != "sha256" or len(parts[2]) != 64 or not parts[0]:
            raise ConfigError(
                f"{source} entry {number} is not 'name:sha256:<64 hex chars>'; "
                "create one with `mlfleet serve --print-key-hash NAME`"
            )
        try:
            int(parts[2], 16)
        except ValueError:
            raise ConfigError(f"{source} entry {number}: the hash is not hexadecimal") from None
        hashes[parts[2].lower()] = parts[0]
    return hashes


class Authenticator:
    """Turns request headers into a principal name, or raises a 401 ApiError."""

    def __init__(self, settings: ServingSettings, extra_hashes: Mapping[str, str] | None = None) -> None:
        self.enabled = settings.auth_enabled
        self.hashes = parse_hash_entries(settings.api_key_hashes, "MLFLEET_API_KEY_HASHES")
        if settings.api_keys_file:
            path = Path(settings.api_keys_file)
            if not path.is_file():
                raise ConfigError(f"API keys file {path} does not exist (MLFLEET_API_KEYS_FILE)")
            self.hashes.update(parse_hash_entries(path.read_text().splitlines(), str(path)))
        self.hashes.update(extra_hashes or {})
        self._known: dict[str, str] = {}  # presented key -> principal, for keys that verified
        self.jwt_key = settings.jwt_key
        if settings.jwt_key_file:
            key_path = Path(settings.jwt_key_file)
            if not key_path.is_file():
                raise ConfigError(f"JWT key file {key_path} does not exist (MLFLEET_JWT_KEY_FILE)")
            self.jwt_key = key_path.read_text()
        self.jwt_issuer = settings.jwt_issuer
        self.jwt_audience = settings.jwt_audience
        self.jwt_algorithms = settings.jwt_algorithms
        self._jwt_keys = _prepare_jwt_keys(self.jwt_key, self.jwt_algorithms) if self.jwt_key else {}
        if self.enabled and not self.hashes and not self.jwt_key:
            raise ConfigError(
                "authentication is on but no API key hash or JWT key is configured: set "
                "MLFLEET_API_KEYS_FILE / MLFLEET_API_KEY_HASHES or MLFLEET_JWT_KEY, use --dev-key "
                "for a local demo, or MLFLEET_AUTH_ENABLED=false on a trusted network"
            )

    def authenticate(self, headers: Mapping[str, str]) -> str:
        return self.authenticate_values(headers.get("x-api-key"), headers.get("authorization"))

    def authenticate_values(self, api_key: str | None, authorization: str | None) -> str:
        """The principal for an X-API-Key and/or Authorization header value (401 ApiError if none)."""
        if not self.enabled:
            return "anonymous"
        key = api_key
        if key is None:
            if authorization is None:
                raise ApiError(
                    401,
                    "unauthenticated",
                    "missing credentials: send 'X-API-Key: <key>' or 'Authorization: Bearer <key or JWT>'",
                )
            scheme, _, token = authorization.partition(" ")
            if scheme.lower() != "bearer" or not token:
                raise ApiError(401, "unauthenticated", "the Authorization header must be 'Bearer <token>'")
            if token.count(".") == 2 and self.jwt_key:
                return self._verify_jwt(token)
            key = token
        # Valid keys are remembered (bounded), so a client sending the same key does not pay a
        # sha256 per request; unknown keys are hashed every time and never cached.
        principal = self._known.get(key)
        if principal is not None:
            return principal
        name = self.hashes.get(hash_api_key(key))
        if name is None:
            raise ApiError(401, "unauthenticated", "the API key is not valid")
        if len(self._known) >= 10_000:
            self._known.clear()
        principal = self._known[key] = "key:" + name
        return principal

    def _verify_jwt(self, token: str) -> str:
        import jwt  # lazy: only deployments with JWT pay for the import

        try:
            algorithm = jwt.get_unverified_header(token).get("alg")
            key = self._jwt_keys.get(algorithm) if isinstance(algorithm, str) else None
            if key is None:
                raise jwt.InvalidAlgorithmError(
                    f"algorithm {str(algorithm)[:20]!r} is not one of {sorted(self._jwt_keys)}"
                )
            claims = jwt.decode(
                token,
                key,
                algorithms=[str(algorithm)],
                audience=self.jwt_audience,
                issuer=self.jwt_issuer,
                options={"require": ["exp", "iss", "aud", "sub"]},
            )
            # RFC 7519: exp, nbf and iat are NumericDates (JSON numbers). PyJWT also takes a string
            # of digits ("exp": "9999999999"), which other verifiers reject: so do we.
            for claim in ("exp", "nbf", "iat"):
                value = claims.get(claim)
                if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
                    raise jwt.InvalidTokenError(f"the {claim} claim must be a number (NumericDate)")
        except jwt.PyJWTError as exc:
            raise ApiError(401, "unauthenticated", f"the bearer token is not valid: {exc}") from None
        return "jwt:" + str(claims["sub"])


def _prepare_jwt_keys(key: str, algorithms: list[str]) -> dict[str, Any]:
    """Algorithm -> the key parsed once for it (PyJWT parses a PEM on every decode otherwise).
    Algorithms the key does not fit (an EC key for RS256, a PEM key as an HMAC secret) are left out,
    so a token naming one of them is rejected; none at all is a configuration error."""
    import jwt

    prepared: dict[str, Any] = {}
    problems = []
    for name in algorithms:
        try:
            algorithm = jwt.get_algorithm_by_name(name)
            parsed = algorithm.prepare_key(key)
            if hasattr(parsed, "private_bytes"):  # a private key was given: verify with its public half
                parsed = parsed.public_key()
            prepared[name] = parsed
        except (jwt.PyJWTError, NotImplementedError, ValueError, TypeError) as exc:
            problems.append(f"{name}: {exc}")
    if not prepared:
        raise ConfigError(
            "MLFLEET_JWT_KEY does not fit any of MLFLEET_JWT_ALGORITHMS (" + "; ".join(problems)[:300] + ")"
        )
    return prepared
