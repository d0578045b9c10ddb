"""Who model-release.yml moves aliases as (components/identities.py ALIAS_WRITER): the stack's CI
deployer, holding exactly the trainer's registry grants and the signing key's signer permissions on
every cloud, trusted only by the GitHub environments the workflow's jobs run in.

The AWS grants are proven against moto's IAM enforcement (S3 and KMS on 127.0.0.1): the staging
plan's deployer policies let a signed alias move through, and the same move without either of them
is refused."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import yaml
from mlfleet_registry import RegistryError, open_registry
from mlfleet_serving.reference_model import publish_reference_model

from components.identities import ALIAS_WRITER
from mlfleet.engine.harness import Plan, preview_stack
from tests.release.stage import MODEL
from tests.release.test_release_workflow import RELEASE, REPO, STACKS, _environment_for
from tests.support import free_port
from tests.unit.components.plans import typed

ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"


@pytest.fixture(scope="module")
def staging() -> Plan:
    return preview_stack("staging")


# --- the trust: the workflow's jobs get exactly the subject the stack's deployer trusts -------------


@pytest.mark.parametrize("stack", STACKS)
def test_every_job_runs_in_the_environment_the_stacks_deployer_trusts(stack: str) -> None:
    config = yaml.safe_load((REPO / "stacks" / f"Pulumi.{stack}.yaml").read_text())["config"]
    github = config["mlfleet:github"]
    assert _environment_for(stack) == github["environment"]
    promote = RELEASE["jobs"]["promote"]
    # The approval job runs for prod only: staging promotes inside the canary job on a pass.
    assert promote["if"].startswith("inputs.stack == 'prod' && ")
    if stack == "prod":
        assert promote["environment"] == github["environment"]
    plan = preview_stack(stack)
    [role] = [r for r in plan.of_type("aws:iam/role:Role") if r["name"].endswith("-id-deployer")]
    [trust] = json.loads(role["inputs"]["assumeRolePolicy"])["Statement"]
    subject = f"repo:{github['repository']}:environment:{github['environment']}"
    assert trust["Condition"]["StringEquals"]["token.actions.githubusercontent.com:sub"] == subject
    for job in RELEASE["jobs"].values():
        assert "id-deployer" in str(job["steps"])  # the role that trust belongs to


# --- the grants, per cloud ---------------------------------------------------------------------------


def test_aws_deployer_gets_the_trainers_registry_statements_and_signing(staging: Plan) -> None:
    registry = typed(staging, ROLE_POLICY, "mlfleet-staging-id-deployer-registry")
    trainer = typed(staging, ROLE_POLICY, f"mlfleet-staging-id-{ALIAS_WRITER}")
    assert registry["inputs"]["role"] == "mlfleet-staging-id-deployer"
    assert registry["inputs"]["policy"] == trainer["inputs"]["policy"]
    key_arn = typed(staging, "aws:kms/key:Key", "mlfleet-staging-signing")["outputs"]["arn"]
    signing = typed(staging, ROLE_POLICY, "mlfleet-staging-signing-release")
    assert signing["inputs"]["role"] == "mlfleet-staging-id-deployer"
    assert [(s["Action"], s["Resource"]) for s in json.loads(signing["inputs"]["policy"])["Statement"]] == [
        (["kms:Sign", "kms:GetPublicKey"], key_arn)
    ]


def _members(plan: Plan, kind: str, email_part: str) -> list[dict[str, Any]]:
    return [r["inputs"] for r in plan.of_type(kind) if email_part in r["inputs"]["member"]]


def test_gcp_deployer_gets_the_trainers_bucket_grants_and_signer_roles() -> None:
    plan = preview_stack("gcp-dev")

    def bucket_grants(account: str) -> list[tuple[str, str, str]]:
        found = _members(plan, "gcp:storage/bucketIAMMember:BucketIAMMember", account)
        return sorted((m["bucket"], m["role"], m["condition"]["expression"]) for m in found)

    deployer, trainer = bucket_grants("id-deployer"), bucket_grants(f"id-{ALIAS_WRITER}")
    assert deployer == trainer and len(deployer) == 2
    key = typed(plan, "gcp:kms/cryptoKey:CryptoKey", "mlfleet-gcp-dev-signing")
    key_id = f"{key['inputs']['keyRing']}/cryptoKeys/{key['inputs']['name']}"
    signer = _members(plan, "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember", "id-deployer")
    assert {(m["cryptoKeyId"], m["role"]) for m in signer} == {
        (key_id, "roles/cloudkms.signer"),
        (key_id, "roles/cloudkms.publicKeyViewer"),
    }


def test_azure_deployer_gets_the_trainers_container_role_and_the_signer_role() -> None:
    plan = preview_stack("azure-dev")
    assignment = "azure-native:authorization:RoleAssignment"
    deployer = typed(plan, assignment, "mlfleet-azure-dev-id-deployer-registry")["inputs"]
    trainer = typed(plan, assignment, f"mlfleet-azure-dev-id-{ALIAS_WRITER}-0")["inputs"]
    assert [deployer[k] for k in ("scope", "roleDefinitionId")] == [
        trainer[k] for k in ("scope", "roleDefinitionId")
    ]
    kind = "azure-native:managedidentity:UserAssignedIdentity"
    identity = typed(plan, kind, "mlfleet-azure-dev-id-deployer")
    assert deployer["principalId"] == identity["outputs"]["principalId"]
    signer = typed(plan, assignment, "mlfleet-azure-dev-signing-release")["inputs"]
    key = typed(plan, "azure-native:keyvault:Key", "mlfleet-azure-dev-signing")
    role = typed(plan, "azure-native:authorization:RoleDefinition", "mlfleet-azure-dev-signing-signer")
    assert (signer["scope"], signer["roleDefinitionId"], signer["principalId"]) == (
        key["outputs"]["id"],
        role["outputs"]["id"],
        identity["outputs"]["principalId"],
    )


# --- AWS, for real against moto's IAM enforcement ---------------------------------------------------


@pytest.fixture
def moto() -> Iterator[str]:
    """A fresh moto server per test (S3, KMS and IAM) on 127.0.0.1; pytest stops it after the test."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=free_port(), verbose=False)
    server.start()
    yield f"http://127.0.0.1:{server.get_host_and_port()[1]}"
    server.stop()


def _policy(plan: Plan, name: str) -> dict[str, Any]:
    """The plan's role policy; KMS statements widened to Resource "*": moto evaluates KMS requests
    against "*" only (tests/apps/registry/test_registry_kms.py). The S3 resources stay the stack's."""
    document: dict[str, Any] = json.loads(typed(plan, ROLE_POLICY, name)["inputs"]["policy"])
    for statement in document["Statement"]:
        if all(action.startswith("kms:") for action in statement["Action"]):
            statement["Resource"] = "*"
    return document


@pytest.mark.parametrize(
    ("policies", "refused"),
    [
        (("mlfleet-staging-id-deployer-registry", "mlfleet-staging-signing-release"), None),
        (("mlfleet-staging-signing-release",), "permission denied"),
        (("mlfleet-staging-id-deployer-registry",), "AWS KMS refused"),
    ],
    ids=["deployer-grants", "without-registry-policy", "without-signing-policy"],
)
def test_an_alias_move_needs_exactly_the_deployers_grants(
    staging: Plan,
    moto: str,
    monkeypatch: pytest.MonkeyPatch,
    policies: tuple[str, ...],
    refused: str | None,
) -> None:
    import boto3
    from moto import settings
    from moto.core.authorization import ActionAuthenticatorMixin

    for name, value in {
        "AWS_ENDPOINT_URL": moto,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    registry_url = staging.outputs["modelRegistryUrl"]  # s3://mlfleet-staging-models/models
    bucket = registry_url.removeprefix("s3://").split("/", 1)[0]
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket=bucket)  # the stack's bucket name: the policies name it
    kms = boto3.client("kms", region_name="us-east-1")
    key = "awskms:///" + kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["Arn"]
    monkeypatch.setenv("MLFLEET_SIGNING_KEY", key)
    monkeypatch.setenv("MLFLEET_VERIFY_KEYS", key)
    publish_reference_model(registry_url, MODEL, n_estimators=2, seed=1)  # as the trainer would
    user = f"release-{key[-12:]}"
    iam = boto3.client("iam", region_name="us-east-1")
    iam.create_user(UserName=user)
    for name in policies:
        iam.put_user_policy(UserName=user, PolicyName=name, PolicyDocument=json.dumps(_policy(staging, name)))
    access = iam.create_access_key(UserName=user)["AccessKey"]
    # Enforce IAM from now on (in-process server: moto's own switch), restored after the test.
    monkeypatch.setattr(settings, "INITIAL_NO_AUTH_ACTION_COUNT", 0)
    monkeypatch.setattr(ActionAuthenticatorMixin, "request_count", 0)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", access["AccessKeyId"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", access["SecretAccessKey"])

    def move_candidate() -> dict[str, str]:
        registry = open_registry(registry_url)
        registry.set_alias(MODEL, "candidate", "v0001", expected=None, actor="ci", reason="release")
        return dict(registry.aliases(MODEL))

    if refused is None:
        assert move_candidate()["candidate"] == "v0001"
        return
    with pytest.raises(RegistryError) as caught:
        move_candidate()
    assert refused in str(caught.value), caught.value
