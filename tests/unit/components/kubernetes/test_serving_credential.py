"""The serving block provisions the API key the server requires (auth is on by default): a
RandomPassword, of which only the sha256 entry reaches the cluster (a Secret mounted as the
server's keys file) while the key itself is a secret stack output. The server starts with exactly
that Secret's content and accepts exactly that key."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from mlfleet_serving.keys import API_KEY_HEADER, hash_entry

from mlfleet.engine.harness import preview_stack
from mlfleet.engine.plan import SECRET_MARKER
from tests.unit.components import raw

STACKS = ("dev", "gcp-dev", "azure-dev", "local")
raw_run = functools.cache(raw.raw_run)
reveal = raw.reveal


def keys_secret(stack: str) -> tuple[dict[str, Any], bool]:
    registrations, _ = raw_run(stack)
    (secret,) = [
        r for r in registrations if r.type == "kubernetes:core/v1:Secret" and r.name.endswith("-api-keys")
    ]
    data, was_secret = reveal(secret.inputs["stringData"])
    return data, was_secret


def serving_pod(stack: str) -> dict[str, Any]:
    (deployment,) = [
        r
        for r in preview_stack(stack).of_type("kubernetes:apps/v1:Deployment")
        if r["name"].endswith("-serving")
    ]
    return deployment["inputs"]["spec"]["template"]["spec"]


@pytest.mark.parametrize("stack", ["dev", "local"])
def test_the_secret_holds_only_the_hash_of_the_exported_key(stack: str) -> None:
    _, outputs = raw_run(stack)
    key, exported_as_secret = reveal(outputs["servingApiKey"])
    assert exported_as_secret, "servingApiKey must be a Pulumi secret output"
    assert key.startswith("mlf_") and len(key) >= 44
    data, stored_as_secret = keys_secret(stack)
    assert stored_as_secret
    assert data == {"api-keys": hash_entry("stack", key) + "\n"}
    assert key not in str(data)  # the plaintext never goes to the cluster
    assert outputs["servingApiKeyHeader"] == API_KEY_HEADER == "X-API-Key"
    plan = preview_stack(stack)
    assert plan.outputs["servingApiKey"] == SECRET_MARKER
    (password,) = [
        r for r in plan.of_type("random:index/randomPassword:RandomPassword") if "api-key" in r["name"]
    ]
    assert password["inputs"]["special"] is False and password["inputs"]["length"] >= 40


@pytest.mark.parametrize("stack", STACKS)
def test_the_pods_read_the_secret_as_a_mounted_file(stack: str) -> None:
    pod = serving_pod(stack)
    (container,) = pod["containers"]
    env = {e["name"]: e.get("value") for e in container["env"]}
    mount = next(m for m in container["volumeMounts"] if m["name"] == "api-keys")
    volume = next(v for v in pod["volumes"] if v["name"] == "api-keys")
    assert mount["readOnly"] is True
    assert volume["secret"]["secretName"] == f"mlfleet-{stack}-serving-api-keys"
    assert env["MLFLEET_API_KEYS_FILE"] == f"{mount['mountPath']}/api-keys"
    # Not as environment: nothing of the key shows in `kubectl describe pod`.
    assert "MLFLEET_API_KEY_HASHES" not in env
    env_from = [source.get("secretRef", {}).get("name") for source in container.get("envFrom", [])]
    assert volume["secret"]["secretName"] not in env_from


def test_the_server_starts_with_that_secret_and_accepts_exactly_that_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mlfleet_serving.app import create_app
    from mlfleet_serving.reference_model import publish_reference_model
    from mlfleet_serving.settings import ServingSettings

    stack = "local"
    _, outputs = raw_run(stack)
    key, _ = reveal(outputs["servingApiKey"])
    data, _ = keys_secret(stack)
    # The pod's environment, with the mounted file and the registry on this machine.
    env = {e["name"]: e["value"] for e in serving_pod(stack)["containers"][0]["env"] if "value" in e}
    keys_file = tmp_path / "api-keys"
    keys_file.write_text(data["api-keys"])
    registry = str(tmp_path / "registry")
    publish_reference_model(registry, env["MLFLEET_MODEL"], n_estimators=5, seed=1)
    for name, value in {**env, "MLFLEET_API_KEYS_FILE": str(keys_file), "MLFLEET_REGISTRY": registry}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("MLFLEET_AUTH_ENABLED", raising=False)
    settings = ServingSettings()  # type: ignore[call-arg]  # from the environment, as in the pod
    assert settings.auth_enabled
    path = f"/v2/models/{env['MLFLEET_MODEL']}"
    with TestClient(create_app(settings, poll=False)) as client:
        assert client.get(path).status_code == 401
        assert client.get(path, headers={API_KEY_HEADER: key + "x"}).status_code == 401
        assert client.get(path, headers={API_KEY_HEADER: key}).status_code == 200
        assert client.get(path, headers={"Authorization": f"Bearer {key}"}).status_code == 200
