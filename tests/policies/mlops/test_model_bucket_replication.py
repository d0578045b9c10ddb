"""mlops-model-bucket-replicated-in-prod on the shapes the ModelBucket block builds per cloud.

GCP: a configurable dual-region model bucket whose regional log bucket is not a model bucket;
Azure: a source and a replica account joined by object replication policies on both.
"""

from __future__ import annotations

from tests.policies.battery import violations
from tests.policies.harness import PROD_TAGS, Case, res

RULE = "mlops-model-bucket-replicated-in-prod"
CASE = Case(RULE, [], [], "")
GCS = "gcp:storage/bucket:Bucket"
ACCOUNT = "azure-native:storage:StorageAccount"
ORP = "azure-native:storage:ObjectReplicationPolicy"


def gcs(name: str, location: str, **inputs: object) -> dict:
    return res(GCS, {"name": name, "location": location, "labels": PROD_TAGS, **inputs}, name)


def test_gcp_dual_region_model_bucket_with_a_regional_log_bucket_passes(pack) -> None:
    logs = gcs("models-logs", "EUROPE-WEST4")
    bucket = gcs(
        "models",
        "EU",
        customPlacementConfig={"dataLocations": ["EUROPE-WEST4", "EUROPE-WEST1"]},
        rpo="ASYNC_TURBO",
        logging={"logBucket": "models-logs", "logObjectPrefix": "models"},
    )
    assert violations(pack, CASE, [logs, bucket], {}) == []


def test_gcp_regional_model_bucket_still_fails_and_its_log_bucket_is_not_reported(pack) -> None:
    logs = gcs("models-logs", "EUROPE-WEST4")
    bucket = gcs("models", "EUROPE-WEST4", logging={"logBucket": "models-logs"})
    found = violations(pack, CASE, [logs, bucket], {})
    assert [v.message for v in found] == ["prod model bucket models is not replicated to another region"]


def test_a_bucket_logging_to_itself_is_still_a_model_bucket(pack) -> None:
    bucket = gcs("models", "EUROPE-WEST4", logging={"logBucket": "models"})
    assert len(violations(pack, CASE, [bucket], {})) == 1


def _account(name: str, location: str) -> dict:
    return res(
        ACCOUNT,
        {"accountName": name, "location": location, "sku": {"name": "Standard_ZRS"}, "tags": PROD_TAGS},
        name,
    )


def test_azure_source_and_replica_joined_by_object_replication_pass(pack) -> None:
    source, replica = _account("models", "westeurope"), _account("modelsreplica", "northeurope")
    policies = [
        res(ORP, {"accountName": "modelsreplica", "objectReplicationPolicyId": "default"}, "dest"),
        res(ORP, {"accountName": "models", "objectReplicationPolicyId": "p-1"}, "src"),
    ]
    assert violations(pack, CASE, [source, replica, *policies], {}) == []
    found = violations(pack, CASE, [source, replica, policies[0]], {})
    assert [v.message for v in found] == ["prod model bucket models is not replicated to another region"]
