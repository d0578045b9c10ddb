"""The rehearsal's stand-in for the registry signing key (mlfleet/rehearse/clouds.py): only the key
variables the plan gives a pod are rewritten, AWS keys become keys in moto's KMS that sign and
verify, GCP/Azure keys a local key pair mounted into the pods, and each substitution is named."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from mlfleet_registry.kms import kms_public_key, kms_signer
from mlfleet_registry.signing import Verifier

from mlfleet.rehearse.clouds import STAND_IN_KEY_PATH, Bucket, CloudStandIn

PLAN_ARN = "arn:aws:kms:us-east-1:123456789012:key/00000000-1111-2222-3333-444444444444"


def pod(**env: str) -> dict[str, Any]:
    return {"containers": [{"name": "main", "env": [{"name": k, "value": v} for k, v in env.items()]}]}


def stand_in(scheme: str, workdir: Path, port: int = 0) -> CloudStandIn:
    cloud = {"s3": "aws", "gs": "gcp", "az": "azure"}[scheme]
    infra = SimpleNamespace(ip="127.0.0.1")
    return CloudStandIn(cloud, Bucket(scheme, "models", "models"), infra, workdir, port=port)  # type: ignore[arg-type]


@pytest.fixture
def moto_port() -> Iterator[int]:
    from moto.server import ThreadedMotoServer

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield port
    finally:
        server.stop()


def test_aws_keys_become_moto_kms_keys_that_sign_and_verify(
    moto_port: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cloud = stand_in("s3", tmp_path, moto_port)
    uri = f"awskms:///{PLAN_ARN}"
    trainer_env, trainer_mounts = cloud.signing_key_env(
        pod(MLFLEET_SIGNING_KEY=uri, MLFLEET_VERIFY_KEYS=uri, MLFLEET_MODEL="demo")
    )
    serving_env, _ = cloud.signing_key_env(pod(MLFLEET_VERIFY_KEYS=uri))
    assert set(trainer_env) == {"MLFLEET_SIGNING_KEY", "MLFLEET_VERIFY_KEYS"} and trainer_mounts == []
    assert set(serving_env) == {"MLFLEET_VERIFY_KEYS"}  # serving gets no signing key the plan does not give
    moto_uri = trainer_env["MLFLEET_SIGNING_KEY"]
    assert moto_uri.startswith("awskms:///arn:aws:kms:us-east-1:") and moto_uri != uri
    assert serving_env["MLFLEET_VERIFY_KEYS"] == moto_uri
    assert cloud.signing_key_env(pod(MLFLEET_MODEL="demo")) == ({}, [])
    [note] = cloud.key_notes
    assert PLAN_ARN in note and "moto_server's KMS" in note

    for name, value in {**cloud.client_env(), "AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x"}.items():
        monkeypatch.setenv(name, value)
    obj: dict[str, Any] = {"version": "v0001"}
    obj["signature"] = kms_signer(moto_uri, "MLFLEET_SIGNING_KEY").sign(obj)
    verifier = Verifier()
    verifier.add("moto", kms_public_key(moto_uri, "MLFLEET_VERIFY_KEYS"))
    assert verifier.problem(obj) is None
    assert cloud.host_keys_env() == {"MLFLEET_SIGNING_KEY": moto_uri, "MLFLEET_VERIFY_KEYS": moto_uri}


@pytest.mark.parametrize(
    ("scheme", "uri", "service"),
    [
        ("gs", "gcpkms://projects/p/locations/l/keyRings/r/cryptoKeys/k/cryptoKeyVersions/1", "Cloud KMS"),
        ("az", "azurekms://v.vault.azure.net/signing", "Key Vault"),
    ],
)
def test_gcp_and_azure_keys_become_a_mounted_local_key_pair(
    scheme: str, uri: str, service: str, tmp_path: Path
) -> None:
    cloud = stand_in(scheme, tmp_path)
    env, mounts = cloud.signing_key_env(pod(MLFLEET_SIGNING_KEY=uri, MLFLEET_VERIFY_KEYS=uri))
    assert env == {
        "MLFLEET_SIGNING_KEY": STAND_IN_KEY_PATH,
        "MLFLEET_VERIFY_KEYS": STAND_IN_KEY_PATH + ".pub",
    }
    assert {path for _, path in mounts} == {STAND_IN_KEY_PATH, STAND_IN_KEY_PATH + ".pub"}
    assert all(host.exists() for host, _ in mounts)
    [note] = cloud.key_notes
    assert note.startswith(f"{service} signing key {uri} -> a local Ed25519 key pair")
    assert cloud.host_keys_env()["MLFLEET_SIGNING_KEY"] == str(tmp_path / "signing.pem")
