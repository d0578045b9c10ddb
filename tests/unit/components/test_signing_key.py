"""The registry signing key on every cloud (components/signing_key.py): an asymmetric P-256 key, the
trainer may sign and read its public key, serving and registry-sync may only read the public key,
every grant is scoped to that one key, and the pods get the key's URI in the registry's variables."""

from __future__ import annotations

import json
from typing import Any

import pytest

from components.errors import ComponentArgumentError
from components.signing_key import SigningKeyArgs
from mlfleet.engine.harness import Plan, preview_stack
from tests.unit.components.plans import typed

READERS = ("serving", "registry-sync")


def pod_env(plan: Plan, kind: str) -> dict[str, str]:
    [workload] = plan.of_type(kind)
    spec = workload["inputs"]["spec"]
    template = spec["jobTemplate"]["spec"]["template"] if "jobTemplate" in spec else spec["template"]
    return {e["name"]: e.get("value") for e in template["spec"]["containers"][0].get("env", [])}


@pytest.mark.parametrize("stack", ["dev", "gcp-dev", "azure-dev"])
def test_the_trainer_signs_and_serving_only_verifies_with_the_stacks_key(stack: str) -> None:
    plan = preview_stack(stack)
    uri = plan.outputs["signingKeyUri"]
    assert uri.split("://")[0] in ("awskms", "gcpkms", "azurekms")
    trainer = pod_env(plan, "kubernetes:batch/v1:Job")
    serving = pod_env(plan, "kubernetes:apps/v1:Deployment")
    assert trainer["MLFLEET_SIGNING_KEY"] == trainer["MLFLEET_VERIFY_KEYS"] == uri
    assert serving["MLFLEET_VERIFY_KEYS"] == uri and "MLFLEET_SIGNING_KEY" not in serving


def test_aws_key_is_p256_sign_verify_and_each_role_gets_only_its_actions_on_its_arn() -> None:
    plan = preview_stack("dev")
    key = typed(plan, "aws:kms/key:Key", "mlfleet-dev-signing")
    assert key["inputs"]["customerMasterKeySpec"] == "ECC_NIST_P256"
    assert key["inputs"]["keyUsage"] == "SIGN_VERIFY"
    arn = key["outputs"]["arn"]
    assert plan.outputs["signingKeyUri"] == f"awskms:///{arn}"

    def statements(workload: str) -> list[dict[str, Any]]:
        policy = typed(plan, "aws:iam/rolePolicy:RolePolicy", f"mlfleet-dev-signing-{workload}")
        assert policy["inputs"]["role"] == f"mlfleet-dev-id-{workload}"
        return list(json.loads(policy["inputs"]["policy"])["Statement"])

    assert [(s["Action"], s["Resource"]) for s in statements("trainer")] == [
        (["kms:Sign", "kms:GetPublicKey"], arn)
    ]
    for reader in READERS:
        assert [(s["Action"], s["Resource"]) for s in statements(reader)] == [(["kms:GetPublicKey"], arn)]


def test_gcp_key_is_an_ec_p256_signing_key_with_roles_on_that_key_only() -> None:
    plan = preview_stack("gcp-dev")
    key = typed(plan, "gcp:kms/cryptoKey:CryptoKey", "mlfleet-gcp-dev-signing")
    assert key["inputs"]["purpose"] == "ASYMMETRIC_SIGN"
    assert key["inputs"]["versionTemplate"]["algorithm"] == "EC_SIGN_P256_SHA256"
    assert "rotationPeriod" not in key["inputs"]  # Cloud KMS cannot rotate asymmetric keys
    key_id = f"{key['inputs']['keyRing']}/cryptoKeys/{key['inputs']['name']}"
    assert plan.outputs["signingKeyUri"] == f"gcpkms://{key_id}/cryptoKeyVersions/1"
    grants: dict[str, set[str]] = {}
    for member in plan.of_type("gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember"):
        if member["inputs"]["cryptoKeyId"] != key_id:
            assert not member["name"].startswith("mlfleet-gcp-dev-signing")
            continue
        grants.setdefault(member["inputs"]["member"], set()).add(member["inputs"]["role"])
    holders = ("trainer", "serving", "regi", "deployer")
    by_workload = {next(w for w in holders if w in m): r for m, r in grants.items()}
    assert by_workload == {
        "trainer": {"roles/cloudkms.signer", "roles/cloudkms.publicKeyViewer"},
        # model-release.yml's alias moves (components/identities.py ALIAS_WRITER)
        "deployer": {"roles/cloudkms.signer", "roles/cloudkms.publicKeyViewer"},
        "serving": {"roles/cloudkms.publicKeyViewer"},
        "regi": {"roles/cloudkms.publicKeyViewer"},
    }


def test_azure_key_is_ec_p256_with_custom_data_action_roles_assigned_on_the_key() -> None:
    plan = preview_stack("azure-dev")
    key = typed(plan, "azure-native:keyvault:Key", "mlfleet-azure-dev-signing")
    props = key["inputs"]["properties"]
    assert (props["kty"], props["curveName"], props["keyOps"]) == ("EC", "P-256", ["sign", "verify"])
    actions = {
        role: typed(plan, "azure-native:authorization:RoleDefinition", f"mlfleet-azure-dev-signing-{role}")
        for role in ("signer", "verifier")
    }
    assert actions["signer"]["inputs"]["permissions"] == [
        {"dataActions": ["Microsoft.KeyVault/vaults/keys/read", "Microsoft.KeyVault/vaults/keys/sign/action"]}
    ]
    assert actions["verifier"]["inputs"]["permissions"] == [
        {"dataActions": ["Microsoft.KeyVault/vaults/keys/read"]}
    ]
    role_ids = {role: found["outputs"]["id"] for role, found in actions.items()}
    for workload in ("trainer", *READERS):
        assignment = typed(
            plan, "azure-native:authorization:RoleAssignment", f"mlfleet-azure-dev-signing-{workload}"
        )
        assert assignment["inputs"]["scope"] == key["outputs"]["id"]
        expected = role_ids["signer" if workload == "trainer" else "verifier"]
        assert assignment["inputs"]["roleDefinitionId"] == expected


@pytest.mark.parametrize(
    ("args", "argument"),
    [({"deletion_window_days": 3}, "deletion_window_days"), ({"rotation_days": 1}, "rotation_days")],
)
def test_bad_arguments_name_the_argument(args: dict[str, int], argument: str) -> None:
    with pytest.raises(ComponentArgumentError, match=argument):
        SigningKeyArgs(**args)
