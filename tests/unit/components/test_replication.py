"""Same-cloud replication of the model bucket on GCP (dual-region + turbo replication) and Azure
(second account + object replication), and the registry-sync identity's destinations on every cloud.

The storage layer runs as the topology builds it (config -> provider -> blocks) on the mock runtime;
every assertion reads the plan's captured inputs.
"""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pytest

from components.context import PlatformContext
from components.errors import ComponentArgumentError
from components.identities import IdentitiesArgs, identities
from components.model_bucket import ModelBucketArgs, RegistryLocation, model_bucket
from components.target import CloudTarget
from components.topology.config import PlatformConfig
from components.topology.providers import cloud_target
from components.topology.storage_identity import build_storage_layer
from mlfleet.engine.harness import Plan, run_program
from tests.unit.components.plans import statements, typed

GCS_BUCKET = "gcp:storage/bucket:Bucket"
ACCOUNT = "azure-native:storage:StorageAccount"
ORP = "azure-native:storage:ObjectReplicationPolicy"
AZURE_DEST = (
    "/subscriptions/00000000-0000-4000-8000-000000000000/resourceGroups/other/providers/Microsoft.Storage/"
    "storageAccounts/othermodels/blobServices/default/containers/models"
)
BLOB_READER = "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1"
BLOB_CONTRIBUTOR = "ba92f5b4-2d11-453d-a403-e96b0029c9fe"


def storage_plan(stack: str, cloud: str, region: str, model_bucket_config: dict[str, Any]) -> Plan:
    values = {
        "environment": "prod" if stack.startswith("prod") else "dev",
        "owner": "ml-platform",
        "costCenter": "cc-1234",
        "cloud": cloud,
        "region": region,
        "gcpProject": "mlfleet-prod-123456" if cloud == "gcp" else None,
        "modelBucket": model_bucket_config,
    }
    config = PlatformConfig.model_validate({k: v for k, v in values.items() if v is not None})
    context = PlatformContext("mlfleet", stack, config.environment, config.owner, config.cost_center)

    def program() -> None:
        storage = build_storage_layer(config, context, cloud_target(config, context))
        for name, value in storage.exports().items():
            pulumi.export(name, value)

    return run_program(program, stack=stack)


@pytest.fixture(scope="module")
def gcp_plan() -> Plan:
    return storage_plan("prod", "gcp", "europe-west4", {"replicationRegion": "europe-west1"})


@pytest.fixture(scope="module")
def azure_plan() -> Plan:
    return storage_plan(
        "prod",
        "azure",
        "westeurope",
        {"replicationRegion": "northeurope", "allowedNetworks": ["203.0.113.0/24"]},
    )


# -- GCP: configurable dual-region with turbo replication ------------------------------------------


def test_gcp_model_bucket_is_a_dual_region_with_turbo_replication(gcp_plan):
    bucket = typed(gcp_plan, GCS_BUCKET, "mlfleet-prod-models")["inputs"]
    assert bucket["location"] == "EU"
    assert bucket["customPlacementConfig"] == {"dataLocations": ["EUROPE-WEST4", "EUROPE-WEST1"]}
    assert bucket["rpo"] == "ASYNC_TURBO"
    # The log bucket stays in the primary region.
    logs = typed(gcp_plan, GCS_BUCKET, "mlfleet-prod-models-logs")["inputs"]
    assert logs["location"] == "EUROPE-WEST4"
    assert "rpo" not in logs and "customPlacementConfig" not in logs


def test_gcp_dual_region_bucket_uses_a_rotating_key_in_the_kms_multi_region(gcp_plan):
    ring = typed(gcp_plan, "gcp:kms/keyRing:KeyRing", "mlfleet-prod-models-europe-key")
    assert ring["inputs"]["location"] == "europe"
    ring_id = "projects/mlfleet-prod-123456/locations/europe/keyRings/mlfleet-prod-models-europe-key"
    key = typed(gcp_plan, "gcp:kms/cryptoKey:CryptoKey", "mlfleet-prod-models-europe-key")
    assert key["inputs"]["keyRing"] == ring_id
    assert key["inputs"]["rotationPeriod"] == f"{90 * 86400}s"
    key_id = f"{ring_id}/cryptoKeys/mlfleet-prod-models-europe-key"
    bucket = typed(gcp_plan, GCS_BUCKET, "mlfleet-prod-models")
    assert bucket["inputs"]["encryption"] == {"defaultKmsKeyName": key_id}
    # The storage service agent may use the new key before the bucket is created with it.
    grant = typed(
        gcp_plan, "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember", "mlfleet-prod-models-gcs-europe-key"
    )
    assert grant["inputs"]["cryptoKeyId"] == key_id
    assert grant["inputs"]["role"] == "roles/cloudkms.cryptoKeyEncrypterDecrypter"
    assert grant["inputs"]["member"].endswith("@gs-project-accounts.iam.gserviceaccount.com")
    assert grant["urn"] in bucket["dependencies"]
    # The regional key still encrypts the log bucket.
    ring = "projects/mlfleet-prod-123456/locations/europe-west4/keyRings/mlfleet-prod-key"
    regional = f"{ring}/cryptoKeys/mlfleet-prod-key"
    logs = typed(gcp_plan, GCS_BUCKET, "mlfleet-prod-models-logs")
    assert logs["inputs"]["encryption"] == {"defaultKmsKeyName": regional}


def test_gcp_replicated_bucket_keeps_every_protection(gcp_plan):
    bucket = typed(gcp_plan, GCS_BUCKET, "mlfleet-prod-models")
    inputs = bucket["inputs"]
    assert inputs["uniformBucketLevelAccess"] is True
    assert inputs["publicAccessPrevention"] == "enforced"
    assert inputs["versioning"] == {"enabled": True}
    actions = {rule["action"]["type"] for rule in inputs["lifecycleRules"]}
    assert actions == {"Delete", "AbortIncompleteMultipartUpload"}
    assert inputs["logging"] == {
        "logBucket": "mlfleet-prod-models-logs",
        "logObjectPrefix": "mlfleet-prod-models",
    }
    assert inputs["forceDestroy"] is False
    assert inputs["labels"]["environment"] == "prod"
    assert bucket["protect"] and bucket["retainOnDelete"]
    for token in ("gcp:kms/keyRing:KeyRing", "gcp:kms/cryptoKey:CryptoKey"):
        key = typed(gcp_plan, token, "mlfleet-prod-models-europe-key")
        assert key["protect"] and key["retainOnDelete"]
    assert gcp_plan.outputs["modelRegistryUrl"] == "gs://mlfleet-prod-models/models"


def test_gcp_registry_sync_has_no_replica_destination_by_default(gcp_plan):
    """One dual-region bucket: registry-sync only reads the registry (no write grant anywhere)."""
    grants = [
        g["inputs"]["role"]
        for g in gcp_plan.of_type("gcp:storage/bucketIAMMember:BucketIAMMember")
        if g["name"].startswith("mlfleet-prod-id-registry-sync-")
    ]
    assert grants == ["roles/storage.objectViewer"]


@pytest.mark.parametrize(
    ("primary", "replica", "match"),
    [
        ("europe-west4", "us-east1", "do not form a GCS dual-region"),
        ("us-central1", "asia-east1", "do not form a GCS dual-region"),
        ("europe-west4", "europe-west4", "is the primary region 'europe-west4'"),
    ],
)
def test_gcp_replication_region_errors(primary, replica, match):
    target = CloudTarget(cloud="gcp", region=primary, project="p")
    context = PlatformContext("mlfleet", "dev", "dev", "ml-platform", "cc-1234")

    def program() -> None:
        from components.encryption_key import EncryptionKeyArgs, encryption_key

        key = encryption_key("k", EncryptionKeyArgs(), target, context)
        model_bucket("b", ModelBucketArgs(replication_region=replica), target, context, key)

    with pytest.raises(ComponentArgumentError, match=match) as raised:
        run_program(program)
    assert raised.value.argument == "replication_region"
    assert "Fix:" in str(raised.value)


# -- Azure: a second account with object replication ----------------------------------------------


def _accounts(plan: Plan) -> tuple[dict[str, Any], dict[str, Any]]:
    return typed(plan, ACCOUNT, "mlfleet-prod-models"), typed(
        plan, ACCOUNT, "mlfleet-prod-models-northeurope"
    )


def test_azure_replica_account_is_in_the_second_location_and_hardened_like_the_primary(azure_plan):
    primary, replica = _accounts(azure_plan)
    assert primary["inputs"]["location"] == "westeurope"
    assert replica["inputs"]["location"] == "northeurope"
    differ = {"accountName", "location", "identity", "encryption"}
    assert {k: v for k, v in replica["inputs"].items() if k not in differ} == {
        k: v for k, v in primary["inputs"].items() if k not in differ
    }
    inputs = replica["inputs"]
    assert inputs["allowBlobPublicAccess"] is False
    assert inputs["allowSharedKeyAccess"] is False
    assert inputs["allowCrossTenantReplication"] is False
    assert inputs["minimumTlsVersion"] == "TLS1_2"
    assert inputs["enableHttpsTrafficOnly"] is True
    assert inputs["networkRuleSet"]["defaultAction"] == "Deny"
    assert inputs["networkRuleSet"]["ipRules"] == [{"iPAddressOrRange": "203.0.113.0/24", "action": "Allow"}]
    assert inputs["encryption"]["requireInfrastructureEncryption"] is True
    assert replica["protect"] and replica["retainOnDelete"]


def test_azure_replica_is_encrypted_with_its_own_key_in_the_replica_location(azure_plan):
    _, replica = _accounts(azure_plan)
    vault = typed(azure_plan, "azure-native:keyvault:Vault", "mlfleet-prod-models-northeurope-key")
    assert vault["inputs"]["location"] == "northeurope"
    assert vault["inputs"]["properties"]["enablePurgeProtection"] is True
    assert vault["inputs"]["properties"]["enableRbacAuthorization"] is True
    assert vault["protect"] and vault["retainOnDelete"]
    key = typed(azure_plan, "azure-native:keyvault:Key", "mlfleet-prod-models-northeurope-key")
    assert key["inputs"]["properties"]["rotationPolicy"]["lifetimeActions"][0]["action"] == {"type": "rotate"}
    identity = typed(
        azure_plan,
        "azure-native:managedidentity:UserAssignedIdentity",
        "mlfleet-prod-models-northeurope-key-user",
    )
    encryption = replica["inputs"]["encryption"]
    assert encryption["keySource"] == "Microsoft.Keyvault"
    assert encryption["keyVaultProperties"] == {
        "keyName": key["outputs"]["name"],
        "keyVaultUri": vault["outputs"]["properties"]["vaultUri"],
    }
    assert encryption["encryptionIdentity"] == {"encryptionUserAssignedIdentity": identity["outputs"]["id"]}
    assert replica["inputs"]["identity"]["userAssignedIdentities"] == [identity["outputs"]["id"]]
    # The replica's identity may use its vault's key before the account is created with it.
    grant = typed(
        azure_plan, "azure-native:authorization:RoleAssignment", "mlfleet-prod-models-northeurope-key-user"
    )
    assert grant["inputs"]["scope"] == vault["outputs"]["id"]
    assert grant["urn"] in replica["dependencies"]


def test_azure_versioning_change_feed_lifecycle_containers_and_logs_on_both_accounts(azure_plan):
    services = {
        s["name"]: s["inputs"] for s in azure_plan.of_type("azure-native:storage:BlobServiceProperties")
    }
    assert set(services) == {"mlfleet-prod-models", "mlfleet-prod-models-northeurope"}
    assert all(s["isVersioningEnabled"] is True for s in services.values())
    assert all(s["deleteRetentionPolicy"] == {"enabled": True, "days": 30} for s in services.values())
    # Object replication reads the source account's change feed.
    assert services["mlfleet-prod-models"]["changeFeed"] == {"enabled": True}
    policies = azure_plan.of_type("azure-native:storage:ManagementPolicy")
    assert len(policies) == 2
    for policy in policies:
        rule = policy["inputs"]["policy"]["rules"][0]
        assert rule["definition"]["actions"]["version"]["delete"] == {"daysAfterCreationGreaterThan": 30}
    containers = azure_plan.of_type("azure-native:storage:BlobContainer")
    assert {c["name"] for c in containers} == {"mlfleet-prod-models", "mlfleet-prod-models-northeurope"}
    assert all(c["inputs"]["publicAccess"] == "None" and c["protect"] for c in containers)
    workspace = azure_plan.one("azure-native:operationalinsights:Workspace")
    settings = azure_plan.of_type("azure-native:monitor:DiagnosticSetting")
    primary, replica = _accounts(azure_plan)
    assert sorted(s["inputs"]["resourceUri"] for s in settings) == sorted(
        f"{a['outputs']['id']}/blobServices/default" for a in (primary, replica)
    )
    assert all(s["inputs"]["workspaceId"] == workspace["outputs"]["id"] for s in settings)


def test_azure_object_replication_policy_on_both_accounts(azure_plan):
    primary, replica = _accounts(azure_plan)
    destination = typed(azure_plan, ORP, "mlfleet-prod-models-northeurope-replication")
    source = typed(azure_plan, ORP, "mlfleet-prod-models-replication")
    assert destination["inputs"]["accountName"] == replica["outputs"]["name"]
    assert destination["inputs"]["objectReplicationPolicyId"] == "default"
    assert source["inputs"]["accountName"] == primary["outputs"]["name"]
    # allowCrossTenantReplication is off, so both ends are full resource ids.
    for policy in (source, destination):
        assert policy["inputs"]["sourceAccount"] == primary["outputs"]["id"]
        assert policy["inputs"]["destinationAccount"] == replica["outputs"]["id"]
        rule = policy["inputs"]["rules"][0]
        assert rule["sourceContainer"] == "mlfleet-prod-models"
        assert rule["destinationContainer"] == "mlfleet-prod-models-northeurope"
        assert rule["filters"] == {"prefixMatch": ["models/"]}
    # The source policy repeats the ids Azure assigned on the destination.
    assert source["inputs"]["objectReplicationPolicyId"] == destination["outputs"]["policyId"]
    assert source["inputs"]["rules"][0]["ruleId"] == destination["outputs"]["rules"][0]["ruleId"]
    assert destination["urn"] in source["dependencies"]


def test_azure_replica_is_read_only_so_registry_sync_gets_no_grant_there(azure_plan):
    _, replica = _accounts(azure_plan)
    for assignment in azure_plan.of_type("azure-native:authorization:RoleAssignment"):
        assert replica["outputs"]["name"] not in str(assignment["inputs"]["scope"])
        assert "northeurope/" not in str(assignment["inputs"]["scope"]).split("containers")[-1]


# -- registry-sync: read the source, write the destination prefix only -----------------------------


def test_aws_registry_sync_reads_the_source_and_writes_only_the_replica_prefix():
    plan = storage_plan("prod", "aws", "us-east-1", {"replicationRegion": "us-west-2"})
    replica_key = [
        k
        for k in plan.of_type("aws:kms/key:Key")
        if k["provider"] and "::mlfleet-prod-aws-us-west-2::" in k["provider"]
    ]
    assert len(replica_key) == 1
    policies = {p["name"]: statements(p) for p in plan.of_type("aws:iam/rolePolicy:RolePolicy")}
    sync = policies["mlfleet-prod-id-registry-sync"]
    by_sid = {s["Sid"]: s for s in sync}
    source, replica = "arn:aws:s3:::mlfleet-prod-models", "arn:aws:s3:::mlfleet-prod-models-us-west-2"
    writes = [s for s in sync if "s3:PutObject" in s["Action"]]
    assert [s["Resource"] for s in writes] == [f"{replica}/models/*"]
    assert by_sid["RegistrysyncDest0Key"]["Resource"] == replica_key[0]["outputs"]["arn"]
    assert "kms:GenerateDataKey" in by_sid["RegistrysyncDest0Key"]["Action"]
    reads = {r for s in sync if "s3:GetObject" in s["Action"] for r in [s["Resource"]]}
    assert reads == {f"{source}/models/*", f"{replica}/models/*"}
    source_key = next(s for s in sync if s["Sid"] == "RegistrysyncKey")
    assert "kms:GenerateDataKey" not in source_key["Action"]
    for statement in sync:
        resources = (
            statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        )
        assert "*" not in resources
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        assert not any(a == "*" or a.endswith(":*") for a in actions)
    # Only registry-sync writes the replica.
    for name in ("mlfleet-prod-id-trainer", "mlfleet-prod-id-serving"):
        assert replica not in json.dumps(policies[name])


def test_gcp_registry_sync_writes_a_configured_destination_prefix_only():
    plan = storage_plan(
        "dev",
        "gcp",
        "europe-west4",
        {"syncDestinations": [{"bucket": "mlfleet-eu-models", "prefix": "mirror"}]},
    )
    grants = [
        g["inputs"]
        for g in plan.of_type("gcp:storage/bucketIAMMember:BucketIAMMember")
        if g["name"].startswith("mlfleet-dev-id-registry-sync-")
    ]
    assert [(g["bucket"], g["role"]) for g in grants] == [
        ("mlfleet-dev-models", "roles/storage.objectViewer"),
        ("mlfleet-eu-models", "roles/storage.objectViewer"),
        ("mlfleet-eu-models", "roles/storage.objectCreator"),
    ]
    for grant in grants[1:]:
        assert grant["condition"]["expression"] == (
            'resource.name.startsWith("projects/_/buckets/mlfleet-eu-models/objects/mirror/")'
            ' || resource.name == "projects/_/buckets/mlfleet-eu-models"'
        )
    assert "models/" in grants[0]["condition"]["expression"]
    # No other workload touches the destination.
    others = [
        g["inputs"]["bucket"]
        for g in plan.of_type("gcp:storage/bucketIAMMember:BucketIAMMember")
        if not g["name"].startswith("mlfleet-dev-id-registry-sync-")
    ]
    assert "mlfleet-eu-models" not in others


def test_azure_registry_sync_reads_the_source_and_writes_the_configured_container():
    plan = storage_plan("dev", "azure", "westeurope", {"syncDestinations": [{"bucket": AZURE_DEST}]})
    container = typed(plan, "azure-native:storage:BlobContainer", "mlfleet-dev-models")
    grants = {
        a["inputs"]["scope"]: a["inputs"]["roleDefinitionId"].rsplit("/", 1)[-1]
        for a in plan.of_type("azure-native:authorization:RoleAssignment")
        if a["name"].startswith("mlfleet-dev-id-registry-sync-")
    }
    assert grants == {container["outputs"]["id"]: BLOB_READER, AZURE_DEST: BLOB_CONTRIBUTOR}


@pytest.mark.parametrize(
    ("build", "argument"),
    [
        (lambda: RegistryLocation("aws", "other-models"), "key_id"),
        (lambda: RegistryLocation("azure", "othermodels"), "bucket"),
        (lambda: RegistryLocation("gcp", "b", prefix="/x/"), "prefix"),
        (lambda: RegistryLocation("gcp", ""), "bucket"),
    ],
)
def test_bad_sync_destinations_are_named_with_a_fix(build, argument):
    with pytest.raises(ComponentArgumentError) as raised:
        build()
    assert raised.value.argument == argument
    assert "Fix:" in str(raised.value)


def test_a_destination_on_another_cloud_is_refused():
    context = PlatformContext("mlfleet", "dev", "dev", "ml-platform", "cc-1234")
    target = CloudTarget(cloud="gcp", region="europe-west4", project="p")

    def program() -> None:
        from components.encryption_key import EncryptionKeyArgs, encryption_key

        key = encryption_key("k", EncryptionKeyArgs(), target, context)
        bucket = model_bucket("b", ModelBucketArgs(), target, context, key)
        destination = RegistryLocation("aws", "other", key_id="arn:aws:kms:us-east-1:1:key/x")
        identities("ids", IdentitiesArgs(sync_destinations=(destination,)), target, context, bucket)

    with pytest.raises(ComponentArgumentError, match="is on aws, but registry-sync runs on gcp") as raised:
        run_program(program)
    assert raised.value.argument == "sync_destinations[0]"


def test_aws_registry_sync_writes_a_configured_destination_with_its_key():
    key = "arn:aws:kms:eu-west-1:123456789012:key/0c5c6c8e-0000-4000-8000-000000000001"
    plan = storage_plan(
        "dev", "aws", "us-east-1", {"syncDestinations": [{"bucket": "mlfleet-eu-models", "key": key}]}
    )
    sync = {
        s["Sid"]: s
        for s in statements(typed(plan, "aws:iam/rolePolicy:RolePolicy", "mlfleet-dev-id-registry-sync"))
    }
    assert sync["RegistrysyncDest0Write"]["Resource"] == "arn:aws:s3:::mlfleet-eu-models/models/*"
    assert sync["RegistrysyncDest0Key"]["Resource"] == key
    writes = [s["Resource"] for s in sync.values() if "s3:PutObject" in s["Action"]]
    assert writes == ["arn:aws:s3:::mlfleet-eu-models/models/*"]


def test_an_aws_sync_destination_without_its_key_is_refused():
    with pytest.raises(ComponentArgumentError) as raised:
        storage_plan("dev", "aws", "us-east-1", {"syncDestinations": [{"bucket": "mlfleet-eu-models"}]})
    assert raised.value.argument == "key_id"
    assert "syncDestinations" in str(raised.value)
