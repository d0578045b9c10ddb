"""Authentication: API keys (hashed), JWT bearer, and what stays open (health, metrics)."""

from __future__ import annotations

import time

import jwt
import pytest
from fastapi.testclient import TestClient
from mlfleet_serving.auth import Authenticator, ConfigError, hash_entry, parse_hash_entries

from tests.apps.serving.conftest import AUTH, KEY, MODEL, VALID_ROW, settings_for

ROW = {"instances": [VALID_ROW]}
SECRET = "jwt-test-secret-" + "x" * 32


def test_missing_key_is_401(client: TestClient) -> None:
    response = client.post("/predict", json=ROW)
    assert response.status_code == 401
    assert "X-API-Key" in response.json()["error"]["message"]


@pytest.mark.parametrize(
    "headers",
    [
        {"X-API-Key": "wrong"},
        {"Authorization": "Bearer wrong"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "Bearer"},
    ],
)
def test_bad_credentials_are_401(client: TestClient, headers: dict[str, str]) -> None:
    response = client.post("/predict", json=ROW, headers=headers)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"


def test_key_as_bearer_token_is_accepted(client: TestClient) -> None:
    assert client.post("/predict", json=ROW, headers={"Authorization": f"Bearer {KEY}"}).status_code == 200


def test_metadata_needs_auth_but_health_and_metrics_do_not(client: TestClient) -> None:
    assert client.get(f"/v2/models/{MODEL}").status_code == 401
    assert client.get(f"/v2/models/{MODEL}", headers=AUTH).status_code == 200
    for path in ("/v2/health/live", "/v2/health/ready", "/metrics", f"/v2/models/{MODEL}/ready"):
        assert client.get(path).status_code == 200, path


def test_keys_file_holds_only_hashes(make_client, tmp_path) -> None:
    keys = tmp_path / "keys"
    keys.write_text("# team keys\n" + hash_entry("ci", "file-key-" + "z" * 40) + "\n")
    assert "file-key" not in keys.read_text()
    client = make_client(api_keys_file=str(keys))
    assert client.post("/predict", json=ROW, headers={"X-API-Key": "file-key-" + "z" * 40}).status_code == 200


@pytest.mark.parametrize("entry", ["justaname", "ci:md5:abc", "ci:sha256:1234", "ci:sha256:" + "g" * 64])
def test_malformed_key_entries_are_config_errors(entry: str) -> None:
    with pytest.raises(ConfigError, match="entry 1"):
        parse_hash_entries([entry], "keys")


def test_auth_on_without_any_credential_source_refuses_to_start(shared_registry: str) -> None:
    with pytest.raises(ConfigError, match="no API key hash or JWT key"):
        Authenticator(settings_for(shared_registry))


def test_missing_keys_file_is_a_config_error(shared_registry: str, tmp_path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        Authenticator(settings_for(shared_registry, api_keys_file=str(tmp_path / "nope")))


def _token(**claims: object) -> str:
    now = int(time.time())
    base = {"iss": "https://issuer.test", "aud": "mlfleet", "sub": "svc-a", "exp": now + 60, "iat": now}
    base.update(claims)
    return jwt.encode(base, SECRET, algorithm="HS256")


@pytest.fixture
def jwt_client(make_client) -> TestClient:
    return make_client(
        jwt_key=SECRET, jwt_issuer="https://issuer.test", jwt_audience="mlfleet", jwt_algorithms=["HS256"]
    )


def test_valid_jwt_is_accepted(jwt_client: TestClient) -> None:
    response = jwt_client.post("/predict", json=ROW, headers={"Authorization": f"Bearer {_token()}"})
    assert response.status_code == 200


@pytest.mark.parametrize(
    "claims",
    [
        {"exp": int(time.time()) - 120},
        {"aud": "someone-else"},
        {"iss": "https://evil.test"},
    ],
)
def test_invalid_jwts_are_401(jwt_client: TestClient, claims: dict[str, object]) -> None:
    response = jwt_client.post("/predict", json=ROW, headers={"Authorization": f"Bearer {_token(**claims)}"})
    assert response.status_code == 401
    assert "bearer token is not valid" in response.json()["error"]["message"]


def test_jwt_signed_with_another_key_is_401(jwt_client: TestClient) -> None:
    forged = jwt.encode(
        {"iss": "https://issuer.test", "aud": "mlfleet", "sub": "x", "exp": int(time.time()) + 60},
        "another-secret-" + "y" * 32,
        algorithm="HS256",
    )
    assert (
        jwt_client.post("/predict", json=ROW, headers={"Authorization": f"Bearer {forged}"}).status_code
        == 401
    )


@pytest.mark.parametrize("claim", ["exp", "nbf", "iat"])
def test_jwt_time_claims_given_as_strings_are_401(jwt_client: TestClient, claim: str) -> None:
    """RFC 7519 NumericDate is a JSON number; PyJWT alone takes "exp": "<digits>"."""
    value = {"exp": int(time.time()) + 60, "nbf": int(time.time()) - 60, "iat": int(time.time())}[claim]
    token = _token(**{claim: str(value)})
    response = jwt_client.post("/predict", json=ROW, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert "NumericDate" in response.json()["error"]["message"]


def test_jwt_key_is_parsed_once_and_an_unlisted_algorithm_is_401(shared_registry: str, monkeypatch) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    private = ec.generate_private_key(ec.SECP256R1())
    public_pem = (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    settings = settings_for(
        shared_registry, jwt_key=public_pem, jwt_issuer="https://issuer.test", jwt_audience="mlfleet"
    )
    auth = Authenticator(settings)  # default algorithms RS256, ES256: an EC key fits ES256 only
    parsed: list[object] = []
    original = jwt.algorithms.ECAlgorithm.prepare_key
    monkeypatch.setattr(
        jwt.algorithms.ECAlgorithm, "prepare_key", lambda self, key: parsed.append(key) or original(self, key)
    )
    claims = {"iss": "https://issuer.test", "aud": "mlfleet", "sub": "svc-b", "exp": int(time.time()) + 60}
    token = jwt.encode(claims, private, algorithm="ES256")
    for _ in range(3):
        assert auth.authenticate({"authorization": f"Bearer {token}"}) == "jwt:svc-b"
    # PyJWT passes an already parsed key through prepare_key untouched: no PEM was parsed again.
    assert all(not isinstance(key, str | bytes) for key in parsed)
    hmac_token = jwt.encode(claims, public_pem.encode()[:40], algorithm="HS256")
    with pytest.raises(Exception, match="not one of") as error:
        auth.authenticate({"authorization": f"Bearer {hmac_token}"})
    assert getattr(error.value, "status", None) == 401


def test_jwt_key_that_fits_no_algorithm_is_a_config_error(shared_registry: str) -> None:
    settings = settings_for(
        shared_registry, jwt_key=SECRET, jwt_issuer="https://issuer.test", jwt_audience="mlfleet"
    )  # an HMAC secret with the default RS256/ES256
    with pytest.raises(ConfigError, match="MLFLEET_JWT_ALGORITHMS"):
        Authenticator(settings)
