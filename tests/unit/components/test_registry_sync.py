"""Registry sync across clouds (issue 13 item 4) in the plans of real stack configs: the primary cell's
cluster runs one sync CronJob per other cell, and each destination's cloud trusts exactly the sync
pods' service account through the primary cluster's OIDC issuer, writing only its registry prefix.
Pairs: AWS -> GCP (staging-global), GCP -> AWS (roles swapped), AWS -> Azure (the dr shape). The
client configuration each pod gets is checked against the real client libraries' own field names."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from google.auth import identity_pool

from components.context import PlatformContext
from components.topology.config import PlatformConfig
from components.topology.providers import cloud_target
from components.topology.storage_identity import build_storage_layer
from mlfleet.engine.errors import PreviewError
from mlfleet.engine.harness import preview_stack, run_program

from .test_front_door import AWS_AZURE, BASE, preview

SUBJECT = "system:serviceaccount:mlfleet:registry-sync"
CRONJOB = "kubernetes:batch/v1:CronJob"
OIDC_PROVIDER = "aws:iam/openIdConnectProvider:OpenIdConnectProvider"
POOL_PROVIDER = "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider"
TOKEN_FILE = "/var/run/secrets/mlfleet/registry-sync/token"


def one(plan: dict[str, Any], type_: str, contains: str = "") -> dict[str, Any]:
    found = [r for r in plan["resources"] if r["type"] == type_ and contains in r["name"]]
    assert len(found) == 1, [r["name"] for r in found]
    return found[0]


def sync_jobs(plan: dict[str, Any]) -> list[dict[str, Any]]:
    return [r for r in plan["resources"] if r["type"] == CRONJOB and "-registry-sync-" in r["name"]]


def pod(job: dict[str, Any]) -> dict[str, Any]:
    return job["inputs"]["spec"]["jobTemplate"]["spec"]["template"]["spec"]


def env(job: dict[str, Any]) -> dict[str, str]:
    return {e["name"]: e["value"] for e in pod(job)["containers"][0]["env"]}


def token_audience(job: dict[str, Any]) -> str:
    (volume,) = [v for v in pod(job)["volumes"] if v["name"] == "destination-token"]
    (source,) = volume["projected"]["sources"]
    assert source["serviceAccountToken"]["path"] == "token"
    return str(source["serviceAccountToken"]["audience"])


def issuer(plan: dict[str, Any], cloud: str) -> str:
    """The primary cluster's OIDC issuer as the plan has it."""
    if cloud == "aws":
        return str(one(plan, OIDC_PROVIDER, "-gpu-oidc")["inputs"]["url"])
    cluster = one(plan, "gcp:container/cluster:Cluster")["inputs"]
    project = BASE["mlfleet:gcpProject"]  # the gcp cell's project (its provider's)
    return (
        f"https://container.googleapis.com/v1/projects/{project}/locations/"
        f"{cluster['location']}/clusters/{cluster['name']}"
    )


@pytest.fixture(scope="module")
def aws_to_gcp() -> dict[str, Any]:
    return preview_stack("staging-global").data  # cached per process: other modules read it too


@pytest.fixture(scope="module")
def gcp_to_aws(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    use1, euw4 = BASE["mlfleet:cells"]
    cells = [{**use1, "role": "active"}, {**euw4, "role": "primary"}]
    return preview(tmp_path_factory.mktemp("gcp-aws"), {"mlfleet:cells": cells}, "gcpaws")


@pytest.fixture(scope="module")
def aws_to_azure(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    door = {**BASE["mlfleet:frontDoor"], "mode": "active-passive", "routing": None}
    changes = {**AWS_AZURE, "mlfleet:frontDoor": {k: v for k, v in door.items() if v is not None}}
    return preview(tmp_path_factory.mktemp("aws-azure"), changes, "awsazure")


def test_the_primary_cluster_runs_one_forbid_cronjob_per_other_cell(aws_to_gcp: dict[str, Any]) -> None:
    (job,) = sync_jobs(aws_to_gcp)
    assert job["name"] == "mlfleet-staging-global-use1-registry-sync-euw4"
    assert "-use1-gpu-k8s" in job["provider"]  # the primary (AWS) cell's cluster
    spec = job["inputs"]["spec"]
    assert spec["concurrencyPolicy"] == "Forbid"
    container = pod(job)["containers"][0]
    assert pod(job)["serviceAccountName"] == "registry-sync"
    assert container["command"] == ["mlfleet-registry"]
    assert container["args"] == ["sync", "gs://mlfleet-staging-global-euw4-models/models"]
    assert "-use1-images-trainer:" in container["image"]  # the trainer image carries the registry library
    values = env(job)
    assert values["MLFLEET_REGISTRY"] == "s3://mlfleet-staging-global-use1-models/models"
    # Signatures are checked with the primary's signing key before anything is copied.
    signing = aws_to_gcp["outputs"]["signingKeyUri"]["use1"]
    assert values["MLFLEET_VERIFY_KEYS"] == signing
    assert not any(k.startswith(("AWS_ACCESS", "AWS_SECRET")) for k in values)  # no static key
    # The source is read with the primary's own registry-sync identity (EKS Pod Identity).
    association = one(
        aws_to_gcp, "aws:eks/podIdentityAssociation:PodIdentityAssociation", "use1-gpu-registry-sync"
    )
    assert association["inputs"]["serviceAccount"] == "registry-sync"


def test_gcp_trusts_the_eks_issuer_for_the_sync_account_only(aws_to_gcp: dict[str, Any]) -> None:
    provider = one(
        aws_to_gcp, "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider", "sync-writer"
    )
    inputs = provider["inputs"]
    assert inputs["oidc"]["issuerUri"] == issuer(aws_to_gcp, "aws")
    assert inputs["attributeMapping"] == {"google.subject": "assertion.sub"}
    assert inputs["attributeCondition"] == f'assertion.sub == "{SUBJECT}"'
    binding = one(aws_to_gcp, "gcp:serviceaccount/iAMMember:IAMMember", "sync-writer-wif")["inputs"]
    assert binding["role"] == "roles/iam.workloadIdentityUser"
    assert binding["member"].startswith("principal://iam.googleapis.com/") and binding["member"].endswith(
        f"/subject/{SUBJECT}"
    )
    grants = [
        r["inputs"]
        for r in aws_to_gcp["resources"]
        if r["type"] == "gcp:storage/bucketIAMMember:BucketIAMMember" and "sync-writer" in r["name"]
    ]
    assert sorted(g["role"] for g in grants) == ["roles/storage.objectCreator", "roles/storage.objectViewer"]
    for grant in grants:  # the destination registry's prefix, nothing else
        assert grant["bucket"] == "mlfleet-staging-global-euw4-models"
        assert 'objects/models/")' in grant["condition"]["expression"]


def test_the_gcp_client_config_is_an_external_account_google_auth_loads(
    aws_to_gcp: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from google.auth import _default

    (job,) = sync_jobs(aws_to_gcp)
    config_map = one(aws_to_gcp, "kubernetes:core/v1:ConfigMap", "registry-sync-euw4-client")
    (mount,) = [m for m in pod(job)["containers"][0]["volumeMounts"] if m["name"] == "destination-client"]
    for name, text in config_map["inputs"]["data"].items():  # the ConfigMap volume, as the pod sees it
        (tmp_path / name).write_text(text)
    # google-auth's default lookup finds and parses it from the pod's environment (no network: loading
    # a file-sourced external_account reads neither the token nor Google's STS).
    monkeypatch.setenv(
        "CLOUDSDK_CONFIG", env(job)["CLOUDSDK_CONFIG"].replace(mount["mountPath"], str(tmp_path))
    )
    credentials, _ = _default._get_gcloud_sdk_credentials()
    assert isinstance(credentials, identity_pool.Credentials)
    info = json.loads((tmp_path / "application_default_credentials.json").read_text())
    provider = one(
        aws_to_gcp, "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider", "sync-writer"
    )
    audience = "//iam.googleapis.com/" + provider["outputs"]["name"]
    assert info["audience"] == audience == token_audience(job)  # no allowed_audiences: the provider's name
    assert info["credential_source"] == {"file": TOKEN_FILE}
    assert (
        credentials.service_account_email
        == one(aws_to_gcp, "gcp:serviceaccount/account:Account", "sync-writer")["outputs"]["email"]
    )


def test_aws_trusts_the_gke_issuer_for_the_sync_account_only(gcp_to_aws: dict[str, Any]) -> None:
    import botocore.credentials

    (job,) = sync_jobs(gcp_to_aws)
    assert job["name"].endswith("-euw4-registry-sync-use1") and "-euw4-gpu-k8s" in job["provider"]
    gke = issuer(gcp_to_aws, "gcp")
    oidc = one(gcp_to_aws, OIDC_PROVIDER, "sync-writer")["inputs"]
    assert oidc["url"] == gke and oidc["clientIdLists"] == ["sts.amazonaws.com"]
    role = one(gcp_to_aws, "aws:iam/role:Role", "sync-writer")
    (trust,) = json.loads(role["inputs"]["assumeRolePolicy"])["Statement"]
    host = gke.removeprefix("https://")
    assert trust["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert trust["Condition"] == {
        "StringEquals": {f"{host}:sub": SUBJECT, f"{host}:aud": "sts.amazonaws.com"}
    }
    assert token_audience(job) == "sts.amazonaws.com"
    values = env(job)
    # botocore's own names for the web identity provider's settings.
    names = botocore.credentials.AssumeRoleWithWebIdentityProvider._CONFIG_TO_ENV_VAR
    assert values[names["role_arn"]] == role["outputs"]["arn"]
    assert values[names["web_identity_token_file"]] == TOKEN_FILE
    policy = json.loads(one(gcp_to_aws, "aws:iam/rolePolicy:RolePolicy", "sync-writer")["inputs"]["policy"])
    resources = json.dumps([s["Resource"] for s in policy["Statement"]])
    assert "mlfleet-gcpaws-use1-models/models/*" in resources and "euw4" not in resources
    writes = [s for s in policy["Statement"] if "s3:PutObject" in s["Action"]]
    assert [s["Resource"] for s in writes] == ["arn:aws:s3:::mlfleet-gcpaws-use1-models/models/*"]


def test_azure_trusts_the_eks_issuer_for_the_sync_account_only(aws_to_azure: dict[str, Any]) -> None:
    from azure.identity._constants import EnvironmentVariables

    (job,) = sync_jobs(aws_to_azure)
    credential = one(aws_to_azure, "azure-native:managedidentity:FederatedIdentityCredential", "sync-writer")
    assert credential["inputs"]["issuer"] == issuer(aws_to_azure, "aws")
    assert credential["inputs"]["subject"] == SUBJECT
    assert credential["inputs"]["audiences"] == ["api://AzureADTokenExchange"] == [token_audience(job)]
    identity = one(aws_to_azure, "azure-native:managedidentity:UserAssignedIdentity", "sync-writer")[
        "outputs"
    ]
    values = env(job)
    assert values[EnvironmentVariables.AZURE_CLIENT_ID] == identity["clientId"]
    assert values[EnvironmentVariables.AZURE_TENANT_ID] == identity["tenantId"]
    assert values[EnvironmentVariables.AZURE_FEDERATED_TOKEN_FILE] == TOKEN_FILE
    assert values["AZURE_STORAGE_ACCOUNT_NAME"]  # az:// URLs do not name the account
    (assignment,) = [
        r["inputs"]
        for r in aws_to_azure["resources"]
        if r["type"] == "azure-native:authorization:RoleAssignment" and "sync-writer" in r["name"]
    ]
    container = one(aws_to_azure, "azure-native:storage:BlobContainer", "-weu-models")
    assert assignment["scope"] == container["outputs"]["id"]  # the registry container, nothing wider


def test_a_cell_on_the_primarys_cloud_is_written_with_the_primarys_own_identity(tmp_path: Path) -> None:
    """Two AWS cells (Route 53 latency routing needs them): no federation, no token; the primary's own
    registry-sync role (EKS Pod Identity) gets write on the other region's registry prefix."""
    use1 = BASE["mlfleet:cells"][0]
    second = {**use1, "name": "usw2", "region": "us-west-2", "role": "active", "networkCidr": "10.30.0.0/16"}
    plan = preview(tmp_path, {"mlfleet:cells": [use1, second]}, "samecloud")
    (job,) = sync_jobs(plan)
    assert job["name"].endswith("-use1-registry-sync-usw2")
    assert [v["name"] for v in pod(job)["volumes"]] == ["tmp"]  # no projected token
    assert not any(k.startswith("AWS_") for k in env(job))  # the SDK's own chain: Pod Identity
    grant = one(plan, "aws:iam/rolePolicy:RolePolicy", "usw2-sync-writer")["inputs"]
    assert grant["role"] == "mlfleet-samecloud-use1-id-registry-sync"
    writes = [s for s in json.loads(grant["policy"])["Statement"] if "s3:PutObject" in s["Action"]]
    assert [s["Resource"] for s in writes] == ["arn:aws:s3:::mlfleet-samecloud-usw2-models/models/*"]
    assert not [r for r in plan["resources"] if r["type"] == OIDC_PROVIDER and "sync-writer" in r["name"]]


def test_every_other_cell_trusts_the_primarys_public_key(aws_to_gcp: dict[str, Any]) -> None:
    """The sync copies versions as the primary signed them: the GCP cell's pods verify them with the
    primary's public key, inline in MLFLEET_VERIFY_KEYS next to their own cell's KMS key (they hold no
    AWS identity to fetch it from the primary's KMS); the primary's pods trust only their own key."""
    from mlfleet_registry import Verifier

    keys = aws_to_gcp["outputs"]["signingKeyUri"]
    verify: dict[str, str] = {}
    for deployment in aws_to_gcp["resources"]:
        if deployment["type"] == "kubernetes:apps/v1:Deployment" and deployment["name"].endswith("-serving"):
            (container,) = deployment["inputs"]["spec"]["template"]["spec"]["containers"]
            values = {e["name"]: e.get("value") for e in container["env"]}
            verify[deployment["name"]] = values["MLFLEET_VERIFY_KEYS"]
    assert verify["mlfleet-staging-global-use1-serving"] == keys["use1"]
    own, pem = verify["mlfleet-staging-global-euw4-serving"].split(",")
    assert own == keys["euw4"] and pem.startswith("-----BEGIN PUBLIC KEY-----")
    assert len(Verifier([("primary", pem.encode())]).key_ids) == 1  # a real public key the library loads


# --- the network path to a firewalled destination (AWS -> Azure, the dr stack as deployed) -------------


@pytest.fixture(scope="module")
def dr() -> dict[str, Any]:
    return preview_stack("dr").data


def test_the_azure_registry_admits_exactly_the_primarys_nat_address(dr: dict[str, Any]) -> None:
    """The dr standby's storage account denies by default and admits one public address: the Elastic IP
    of the NAT gateway the primary cluster's private subnets route the internet through, i.e. where the
    sync pods' writes arrive from. Nothing else is listed."""
    eip = one(dr, "aws:ec2/eip:Eip", "-use1-")
    address = eip["outputs"]["publicIp"]
    nat = one(dr, "aws:ec2/natGateway:NatGateway", "-use1-")
    assert nat["propertyDependencies"]["allocationId"] == [eip["urn"]]
    private = one(dr, "aws:ec2/routeTable:RouteTable", "-use1-gpu-private")
    assert [r["cidrBlock"] for r in private["inputs"]["routes"]] == ["0.0.0.0/0"]
    assert private["propertyDependencies"]["routes"] == [nat["urn"]]
    account = one(dr, "azure-native:storage:StorageAccount", "-weu-models")
    rules = account["inputs"]["networkRuleSet"]
    assert account["inputs"]["publicNetworkAccess"] == "Enabled"
    assert rules["defaultAction"] == "Deny"
    assert rules["ipRules"] == [{"action": "Allow", "iPAddressOrRange": address}]
    assert eip["urn"] in account["propertyDependencies"]["networkRuleSet"]


def test_the_sync_writing_there_runs_in_the_primary_cluster(dr: dict[str, Any]) -> None:
    """The CronJob that writes the Azure registry is scheduled on the EKS cluster (whose egress is the
    admitted address), with the federated Azure identity for that very storage account."""
    (job,) = sync_jobs(dr)
    assert job["name"].endswith("-use1-registry-sync-weu")
    provider = next(r for r in dr["resources"] if job["provider"].startswith(r["urn"] + "::"))
    assert provider["type"] == "pulumi:providers:kubernetes" and "-use1-" in provider["name"]
    account = one(dr, "azure-native:storage:StorageAccount", "-weu-models")
    assert env(job)["AZURE_STORAGE_ACCOUNT_NAME"] == account["inputs"]["accountName"]
    assert token_audience(job) == "api://AzureADTokenExchange"


def test_a_stack_without_an_azure_destination_opens_nothing(aws_to_gcp: dict[str, Any]) -> None:
    """The exception is for a firewalled destination only: an AWS -> GCP stack sets no public network
    access anywhere."""
    assert not [r for r in aws_to_gcp["resources"] if "publicNetworkAccess" in r["inputs"]]


def test_a_gcp_primary_with_an_azure_cell_is_refused(tmp_path: Path) -> None:
    """A GKE cell has no reserved egress address to admit: refused at preview, naming the key."""
    use1, euw4 = BASE["mlfleet:cells"]
    weu = {**AWS_AZURE["mlfleet:cells"][1], "role": "active", "networkCidr": "10.40.0.0/16"}
    cells = [{**use1, "role": "active"}, {**euw4, "role": "primary"}, weu]
    with pytest.raises(PreviewError) as info:
        preview(tmp_path, {**AWS_AZURE, "mlfleet:cells": cells}, "gcpazure")
    message = str(info.value)
    assert "Pulumi.gcpazure.yaml: config key 'mlfleet:cells[2].cloud' is azure" in message
    assert "the primary cell (euw4) is on gcp" in message
    assert "Traceback" not in message


def test_an_azure_replica_account_admits_no_sync_address() -> None:
    """Object replication makes the replica read-only, so no sync writes it: only the registry account
    the sync writes lists the source address and states public network access Enabled."""
    config = PlatformConfig.model_validate(
        {
            "environment": "prod",
            "owner": "ml-platform",
            "costCenter": "cc-1234",
            "cloud": "azure",
            "region": "westeurope",
            "modelBucket": {"replicationRegion": "northeurope"},
        }
    )
    context = PlatformContext("mlfleet", "prod", config.environment, config.owner, config.cost_center)
    plan = run_program(
        lambda: build_storage_layer(
            config, context, cloud_target(config, context), sync_sources=("198.51.100.7",)
        ),
        stack="prod",
    )
    account = "azure-native:storage:StorageAccount"
    accounts = {r["name"]: r["inputs"] for r in plan.data["resources"] if r["type"] == account}
    main, replica = accounts["mlfleet-prod-models"], accounts["mlfleet-prod-models-northeurope"]
    assert main["networkRuleSet"]["ipRules"] == [{"action": "Allow", "iPAddressOrRange": "198.51.100.7"}]
    assert main["publicNetworkAccess"] == "Enabled"
    assert replica["networkRuleSet"]["ipRules"] == []
    assert "publicNetworkAccess" not in replica
