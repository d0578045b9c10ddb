"""KMS-backed signing keys (mlfleet_registry.kms): the AWS path for real against moto's KMS served on
127.0.0.1 (publish, promote, load, tamper and wrong-key refusal, rotation, errors through the CLI);
Cloud KMS and Key Vault against real credentials only when asked (MLFLEET_TEST_GCP_KMS_KEY,
MLFLEET_TEST_AZURE_KV_KEY); everything else that needs no cloud (URI grammar, signature encodings)
against `cryptography` with a local P-256 key."""

from __future__ import annotations

import base64
import json
import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from mlfleet_registry import IntegrityError, Registry, RegistryError, open_registry
from mlfleet_registry.kms import der_to_raw, jwk_to_public_key, parse_kms_uri, raw_to_der
from mlfleet_registry.signing import ECDSA_P256, DigestSigner, Verifier, key_id_of, signed_message
from typer.testing import CliRunner

from mlfleet.cli import app

from .conftest import publish_kwargs
from .test_registry_tamper import edit


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def moto_kms() -> Iterator[str]:
    """moto's server on 127.0.0.1 (KMS among its services); stopped after the module."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=_free_port(), verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def aws_env(moto_kms: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """What a pod's AWS SDK would see, with the KMS endpoint pointed at moto (botocore's
    service-specific endpoint variable, the same one the rehearsal sets)."""
    for name, value in {
        "AWS_ENDPOINT_URL_KMS": moto_kms,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_PROFILE", "MLFLEET_SIGNING_KEY", "MLFLEET_VERIFY_KEYS"):
        monkeypatch.delenv(name, raising=False)
    return moto_kms


def new_kms_key(spec: str = "ECC_NIST_P256", usage: str = "SIGN_VERIFY") -> str:
    """A new key in moto; its awskms:// URI."""
    import boto3

    kms = boto3.client("kms", endpoint_url=os.environ["AWS_ENDPOINT_URL_KMS"], region_name="us-east-1")
    arn = kms.create_key(KeySpec=spec, KeyUsage=usage)["KeyMetadata"]["Arn"]
    return f"awskms:///{arn}"


def set_keys(monkeypatch: pytest.MonkeyPatch, signing: str | None, verify: str | None) -> None:
    for name, value in (("MLFLEET_SIGNING_KEY", signing), ("MLFLEET_VERIFY_KEYS", verify)):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)


def keyed(monkeypatch: pytest.MonkeyPatch, url: str, signing: str | None, verify: str | None) -> Registry:
    """The registry as a workload opens it: keys from MLFLEET_SIGNING_KEY / MLFLEET_VERIFY_KEYS."""
    set_keys(monkeypatch, signing, verify)
    return open_registry(url)


def test_kms_signed_versions_load_and_tampered_ones_are_refused(
    aws_env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fitted_model: Any
) -> None:
    key = new_kms_key()
    url = str(tmp_path / "reg")
    trainer = keyed(monkeypatch, url, signing=key, verify=key)
    manifest = trainer.publish("demo", fitted_model, **publish_kwargs())
    assert manifest.signature is not None and manifest.signature["alg"] == ECDSA_P256
    trainer.set_alias("demo", "production", "v0001", actor="ci", reason="ship")
    serving = keyed(monkeypatch, url, signing=None, verify=key)  # read-public-key only
    assert serving.load("demo", serving.resolve("demo", "production")).manifest.version == "v0001"
    assert serving.verify() == []

    edit(serving, serving.manifest_key("demo", "v0001"), {"metrics": {"accuracy": 0.999}})
    with pytest.raises(
        IntegrityError, match="the manifest of demo v0001 has a signature that does not verify"
    ):
        serving.load("demo", "v0001")
    assert any("signature that does not verify" in p for p in serving.verify())


def test_a_version_signed_by_another_key_is_refused_until_that_key_is_trusted(
    aws_env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fitted_model: Any
) -> None:
    old, new = new_kms_key(), new_kms_key()
    url = str(tmp_path / "reg")
    keyed(monkeypatch, url, signing=old, verify=None).publish("demo", fitted_model, **publish_kwargs())
    keyed(monkeypatch, url, signing=new, verify=None).publish(
        "demo", fitted_model, **publish_kwargs(metrics={"accuracy": 0.9})
    )
    only_new = keyed(monkeypatch, url, signing=None, verify=new)
    with pytest.raises(IntegrityError, match="demo v0001 is signed by an unknown key"):
        only_new.load("demo", "v0001")
    with pytest.raises(IntegrityError, match="refusing it"):
        only_new.set_alias("demo", "production", "v0001", actor="x", reason="x")
    assert only_new.load("demo", "v0002").manifest.version == "v0002"
    # Rotation: trust both while versions signed by the old key are still served.
    both = keyed(monkeypatch, url, signing=None, verify=f"{old}, {new}")
    assert {both.load("demo", v).manifest.version for v in ("v0001", "v0002")} == {"v0001", "v0002"}
    assert both.verify() == []


def test_kms_keys_through_the_cli_and_one_line_errors(
    aws_env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fitted_model: Any
) -> None:
    key = new_kms_key()
    url = str(tmp_path / "reg")
    keyed(monkeypatch, url, signing=key, verify=key).publish("demo", fitted_model, **publish_kwargs())
    promote = ["models", "promote", "demo", "v0001", "--reason", "x", "--registry", url]
    assert CliRunner().invoke(app, promote).exit_code == 0

    def fails(signing: str | None, verify: str | None) -> str:
        set_keys(monkeypatch, signing, verify)
        result = CliRunner().invoke(app, ["models", "verify", "--registry", url])
        assert (result.exit_code == 1 and result.exception is None) or isinstance(
            result.exception, SystemExit
        )
        message: str = result.stderr.strip()
        assert "\n" not in message and "Traceback" not in message, message
        return message

    symmetric = new_kms_key("SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT")
    assert "use a KeySpec ECC_NIST_P256, KeyUsage SIGN_VERIFY key" in fails(None, symmetric)
    missing = key.replace(key.rsplit("/", 1)[1], "00000000-0000-0000-0000-000000000000")
    assert f"$MLFLEET_VERIFY_KEYS={missing}: AWS KMS has no such key" in fails(None, missing)
    assert "unknown key scheme 'kms'" in fails(None, "kms://nothing")
    assert "$MLFLEET_SIGNING_KEY=awskms:///not-a-key: 'not-a-key' is not a KMS key ARN" in fails(
        "awskms:///not-a-key", None
    )
    monkeypatch.setenv("AWS_ENDPOINT_URL_KMS", f"http://127.0.0.1:{_free_port()}")
    assert "AWS KMS unreachable" in fails(None, key)
    monkeypatch.setenv("AWS_ENDPOINT_URL_KMS", aws_env)
    set_keys(monkeypatch, None, None)
    unkeyed = open_registry(url)
    edit(unkeyed, unkeyed.manifest_key("demo", "v0001"), {"reason": "edited"})
    set_keys(monkeypatch, None, key)
    result = CliRunner().invoke(app, ["models", "verify", "--registry", url])
    assert result.exit_code == 1 and "has a signature that does not verify" in result.stderr


def test_the_model_server_verifies_with_the_kms_public_key_and_keeps_serving_the_good_version(
    aws_env: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    fitted_model: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """apps/serving opens the registry with MLFLEET_VERIFY_KEYS (what the stack sets): a version whose
    manifest was edited after signing is refused at load and the signed one keeps serving."""
    from mlfleet_serving.metrics import ServingMetrics
    from mlfleet_serving.models import ModelManager
    from mlfleet_serving.settings import ServingSettings

    key = new_kms_key()
    url = str(tmp_path / "reg")
    trainer = keyed(monkeypatch, url, signing=key, verify=key)
    trainer.publish("demo", fitted_model, **publish_kwargs())
    trainer.set_alias("demo", "production", "v0001", actor="ci", reason="ship")
    set_keys(monkeypatch, None, key)
    manager = ModelManager(ServingSettings(registry=url, model="demo"), ServingMetrics())
    manager.refresh()
    assert manager.primary.current is not None and manager.primary.current.version == "v0001"

    trainer.publish("demo", fitted_model, **publish_kwargs(metrics={"accuracy": 0.5}))
    edit(trainer, trainer.manifest_key("demo", "v0002"), {"metrics": {"accuracy": 0.99}})
    # An attacker who can write the bucket moves the alias without the checks.
    trainer.set_alias("demo", "production", "v0002", actor="x", reason="x", verify=False)
    manager.refresh()
    assert manager.primary.current.version == "v0001"
    failure = next(
        r for r in caplog.records if r.getMessage() == "model load failed; keeping the current version"
    )
    assert failure.reason == "integrity" and "signature that does not verify" in failure.error  # type: ignore[attr-defined]


def test_the_stacks_grants_let_the_trainer_sign_and_serving_only_verify(
    aws_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """moto's IAM enforcement with the actions the dev stack grants each workload (its role policies,
    components/aws/signing_key.py): serving reads the public key but cannot sign, with a one-line
    error naming the permission. moto evaluates KMS requests against Resource "*" only, so the
    statements' Resource (the key's ARN in the stack) is widened here; the actions are the stack's."""
    import boto3
    from mlfleet_registry.kms import kms_public_key, kms_signer
    from moto import settings
    from moto.core.authorization import ActionAuthenticatorMixin

    from mlfleet.engine.harness import preview_stack

    plan = preview_stack("dev")
    key = new_kms_key()
    iam = boto3.client("iam", endpoint_url=aws_env, region_name="us-east-1")
    credentials: dict[str, tuple[str, str]] = {}
    for workload in ("trainer", "serving"):
        [policy] = [
            p
            for p in plan.of_type("aws:iam/rolePolicy:RolePolicy")
            if p["name"] == f"mlfleet-dev-signing-{workload}"
        ]
        document = json.loads(policy["inputs"]["policy"])
        for statement in document["Statement"]:
            statement["Resource"] = "*"
        user = f"{workload}-{key[-8:]}"
        iam.create_user(UserName=user)
        iam.put_user_policy(UserName=user, PolicyName="signing", PolicyDocument=json.dumps(document))
        access = iam.create_access_key(UserName=user)["AccessKey"]
        credentials[workload] = (access["AccessKeyId"], access["SecretAccessKey"])
    # Enforce IAM from now on (in-process server: moto's own switch), restored after the test.
    monkeypatch.setattr(settings, "INITIAL_NO_AUTH_ACTION_COUNT", 0)
    monkeypatch.setattr(ActionAuthenticatorMixin, "request_count", 0)

    def as_(workload: str) -> None:
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", credentials[workload][0])
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", credentials[workload][1])

    as_("trainer")
    obj: dict[str, Any] = {"version": "v0001"}
    obj["signature"] = kms_signer(key, "MLFLEET_SIGNING_KEY").sign(obj)
    as_("serving")
    verifier = Verifier()
    verifier.add(key, kms_public_key(key, "MLFLEET_VERIFY_KEYS"))
    assert verifier.problem(obj) is None
    signer = kms_signer(key, "MLFLEET_SIGNING_KEY")  # reading the public key is allowed
    with pytest.raises(RegistryError) as refused:
        signer.sign({"version": "v0002"})
    assert str(refused.value).startswith(f"$MLFLEET_SIGNING_KEY={key}: AWS KMS refused Sign")
    assert "grant this identity kms:Sign on the key" in str(refused.value)


# --- no cloud needed: URI grammar and signature encodings -------------------------------------------


@pytest.mark.parametrize(
    ("uri", "message"),
    [
        ("awskms:///", "'' is not a KMS key ARN"),
        ("awskms:///arn:aws:s3:::bucket", "is not a KMS key ARN"),
        ("gcpkms://projects/p/locations/l/keyRings/r/cryptoKeys/k", "not a crypto key version"),
        ("gcpkms://projects/p/locations/l/keyRings/r/cryptoKeys/k/cryptoKeyVersions/x", "not a crypto key"),
        ("azurekms://vault.vault.azure.net", "not a Key Vault key"),
        ("azurekms://vault.vault.azure.net/k/v/extra", "not a Key Vault key"),
        ("azurekv://vault.vault.azure.net/k/1", "unknown key scheme 'azurekv'"),
        ("awskms:///alias/signing?region=x", "has no query or fragment"),
    ],
)
def test_bad_kms_uris_are_one_line_errors_naming_the_variable(uri: str, message: str) -> None:
    with pytest.raises(RegistryError) as caught:
        parse_kms_uri(uri, "MLFLEET_VERIFY_KEYS")
    text = str(caught.value)
    assert text.startswith(f"$MLFLEET_VERIFY_KEYS={uri}: ") and message in text and "\n" not in text


def test_kms_uris_parse_to_the_key_each_api_names() -> None:
    arn = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    assert parse_kms_uri(f"awskms:///{arn}", "V").key == arn
    assert parse_kms_uri("awskms://kms.local:4566/alias/signing", "V").endpoint == "kms.local:4566"
    name = "projects/p/locations/europe-west4/keyRings/r/cryptoKeys/k/cryptoKeyVersions/1"
    assert parse_kms_uri(f"gcpkms://{name}", "V").key == name
    azure = parse_kms_uri("azurekms://mlf.vault.azure.net/signing/0123abcd", "V")
    assert (azure.endpoint, azure.key, azure.version) == (
        "https://mlf.vault.azure.net",
        "signing",
        "0123abcd",
    )
    assert parse_kms_uri("azurekms://mlf.vault.azure.net/signing", "V").version == ""


def test_raw_jws_signatures_convert_to_der_and_verify() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    message = b"a canonical manifest"
    der = key.sign(message, ec.ECDSA(hashes.SHA256()))
    raw = der_to_raw(der)
    assert len(raw) == 64
    r, s = decode_dss_signature(der)
    assert raw == r.to_bytes(32, "big") + s.to_bytes(32, "big")
    assert raw_to_der(raw) == der
    key.public_key().verify(raw_to_der(raw), message, ec.ECDSA(hashes.SHA256()))
    with pytest.raises(ValueError, match="64 bytes"):
        raw_to_der(raw[:63])


def test_a_key_vault_jwk_is_the_same_key() -> None:
    public = ec.generate_private_key(ec.SECP256R1()).public_key()
    numbers = public.public_numbers()

    def b64url(value: int) -> str:
        return base64.urlsafe_b64encode(value.to_bytes(32, "big")).decode().rstrip("=")

    jwk = {"kty": "EC", "crv": "P-256", "x": b64url(numbers.x), "y": b64url(numbers.y)}
    assert key_id_of(jwk_to_public_key(jwk)) == key_id_of(public)
    with pytest.raises(ValueError, match="not an EC P-256 key"):
        jwk_to_public_key({"kty": "RSA", "n": "AQAB", "e": "AQAB"})


def test_a_digest_signer_with_a_local_p256_key_signs_what_the_verifier_accepts(
    tmp_path: Path, fitted_model: Any
) -> None:
    """The KMS signers' shared half, with the KMS replaced by a local key that signs the same message."""
    private = ec.generate_private_key(ec.SECP256R1())

    def sign(message: bytes) -> bytes:
        return private.sign(message, ec.ECDSA(hashes.SHA256()))

    verifier = Verifier()
    verifier.add("local", private.public_key())
    reg = Registry(
        open_registry(str(tmp_path / "reg")).store, DigestSigner(private.public_key(), sign, "k"), verifier
    )
    reg.publish("demo", fitted_model, **publish_kwargs())
    assert reg.verify() == []
    body = json.loads(reg.store.read(reg.manifest_key("demo", "v0001")))
    assert body["signature"]["key_id"] == key_id_of(private.public_key())
    assert signed_message(ECDSA_P256, b"x") != b"x"  # ECDSA signs the 32-byte SHA-256 (AWS RAW limit)

    wrong = ec.generate_private_key(ec.SECP256R1())
    lying = DigestSigner(private.public_key(), lambda m: wrong.sign(m, ec.ECDSA(hashes.SHA256())), "k")
    with pytest.raises(RegistryError, match="k returned a signature its own public key does not verify"):
        lying.sign({"a": 1})


def test_a_rotating_key_source_is_looked_up_again_for_an_unknown_key_id(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A versionless Key Vault key gains versions by policy: a reader started before the rotation
    trusts the new version when a signature first names it (at most one lookup a minute)."""
    from mlfleet_registry import signing

    versions = [ec.generate_private_key(ec.SECP256R1())]
    lookups: list[int] = []

    def fetch() -> list[Any]:
        lookups.append(len(versions))
        return [v.public_key() for v in versions]

    verifier = Verifier()
    verifier.add_source("azurekms://v.vault.azure.net/signing", fetch, refresh=True)

    def signed_by(private: Any) -> dict[str, Any]:
        signer = DigestSigner(private.public_key(), lambda m: private.sign(m, ec.ECDSA(hashes.SHA256())), "k")
        obj: dict[str, Any] = {"version": "v0001"}
        obj["signature"] = signer.sign(obj)
        return obj

    assert verifier.problem(signed_by(versions[0])) is None
    versions.append(ec.generate_private_key(ec.SECP256R1()))  # the policy rotated the key
    assert verifier.problem(signed_by(versions[1])) is None
    stranger = ec.generate_private_key(ec.SECP256R1())
    assert "signed by an unknown key" in str(verifier.problem(signed_by(stranger)))
    assert lookups == [1, 2]  # the stranger's signature came within the minute: no third lookup
    monkeypatch.setattr(signing, "REFRESH_SECONDS", 0.0)
    assert "signed by an unknown key" in str(verifier.problem(signed_by(stranger)))
    assert lookups == [1, 2, 2]


def test_missing_cloud_credentials_are_one_line_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    """No credentials for Cloud KMS / Key Vault: a one-line error naming the variable and the fix,
    before any request leaves the machine."""
    from mlfleet_registry.kms import kms_public_key

    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", "/nonexistent/credentials.json")
    gcp = "gcpkms://projects/p/locations/l/keyRings/r/cryptoKeys/k/cryptoKeyVersions/1"
    with pytest.raises(
        RegistryError, match=r"^\$MLFLEET_VERIFY_KEYS=gcpkms://.*: no Google credentials; run with"
    ):
        kms_public_key(gcp, "MLFLEET_VERIFY_KEYS")
    for name, value in {
        "AZURE_CLIENT_ID": "00000000-0000-0000-0000-000000000001",
        "AZURE_TENANT_ID": "00000000-0000-0000-0000-000000000002",
        "AZURE_FEDERATED_TOKEN_FILE": "/nonexistent/token",
    }.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(RegistryError, match=r"no Azure credentials .*; run with Azure Workload Identity"):
        kms_public_key("azurekms://v.vault.azure.net/k/1", "MLFLEET_SIGNING_KEY")


# --- opt-in: real Cloud KMS / Key Vault -----------------------------------------------------------


def _cloud_roundtrip(uri: str) -> None:
    from mlfleet_registry.kms import kms_public_key, kms_signer

    signer = kms_signer(uri, "MLFLEET_SIGNING_KEY")
    verifier = Verifier()
    verifier.add(uri, kms_public_key(uri, "MLFLEET_VERIFY_KEYS"))
    obj: dict[str, Any] = {"model": "demo", "version": "v0001"}
    obj["signature"] = signer.sign(obj)
    assert verifier.problem(obj) is None
    obj["version"] = "v0002"
    assert verifier.problem(obj) == "has a signature that does not verify (edited after it was signed)"


@pytest.mark.skipif(
    not os.environ.get("MLFLEET_TEST_GCP_KMS_KEY"),
    reason="set MLFLEET_TEST_GCP_KMS_KEY=gcpkms://projects/.../cryptoKeyVersions/N (EC_SIGN_P256_SHA256; "
    "Application Default Credentials with roles/cloudkms.signer + publicKeyViewer) to run against Cloud KMS",
)
def test_cloud_kms_signs_and_verifies() -> None:
    _cloud_roundtrip(os.environ["MLFLEET_TEST_GCP_KMS_KEY"])


@pytest.mark.skipif(
    not os.environ.get("MLFLEET_TEST_AZURE_KV_KEY"),
    reason="set MLFLEET_TEST_AZURE_KV_KEY=azurekms://<vault>.vault.azure.net/<key>/<version> (EC P-256; "
    "DefaultAzureCredential with keys/read + keys/sign) to run against Key Vault",
)
def test_key_vault_signs_and_verifies() -> None:
    _cloud_roundtrip(os.environ["MLFLEET_TEST_AZURE_KV_KEY"])
