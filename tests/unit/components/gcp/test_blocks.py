"""GCP key, bucket, Artifact Registry and identities on the gcp-dev plan."""

from __future__ import annotations

from tests.unit.components.plans import typed

PROJECT = "mlfleet-dev-123456"
BANNED_ROLES = ("roles/owner", "roles/editor", "roles/viewer")


def test_buckets_are_private_cmek_versioned_with_lifecycle_and_logging(gcp_plan):
    key_id = gcp_plan.outputs["keyId"]
    assert key_id.endswith("/keyRings/mlfleet-gcp-dev-key/cryptoKeys/mlfleet-gcp-dev-key")
    buckets = gcp_plan.of_type("gcp:storage/bucket:Bucket")
    assert len(buckets) == 2
    for bucket in buckets:
        inputs = bucket["inputs"]
        assert inputs["uniformBucketLevelAccess"] is True
        assert inputs["publicAccessPrevention"] == "enforced"
        assert inputs["versioning"] == {"enabled": True}
        assert inputs["encryption"] == {"defaultKmsKeyName": key_id}
        actions = {rule["action"]["type"] for rule in inputs["lifecycleRules"]}
        assert actions == {"Delete", "AbortIncompleteMultipartUpload"}
    main = typed(gcp_plan, "gcp:storage/bucket:Bucket", "mlfleet-gcp-dev-models")["inputs"]
    assert main["logging"]["logBucket"] == "mlfleet-gcp-dev-models-logs"


def test_storage_and_registry_service_agents_may_use_the_key(gcp_plan):
    members = {
        m["inputs"]["member"] for m in gcp_plan.of_type("gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember")
    }
    assert any("@gs-project-accounts.iam.gserviceaccount.com" in m for m in members)
    assert any("@gcp-sa-artifactregistry.iam.gserviceaccount.com" in m for m in members)


def test_key_rotates(gcp_plan):
    key = typed(gcp_plan, "gcp:kms/cryptoKey:CryptoKey", "mlfleet-gcp-dev-key")["inputs"]
    assert key["rotationPeriod"] == "7776000s"
    assert key["purpose"] == "ENCRYPT_DECRYPT"


def test_artifact_registry_is_docker_cmek_immutable_with_cleanup(gcp_plan):
    repo = gcp_plan.one("gcp:artifactregistry/repository:Repository")["inputs"]
    assert repo["format"] == "DOCKER"
    assert repo["dockerConfig"] == {"immutableTags": True}
    assert repo["kmsKeyName"].endswith("/cryptoKeys/mlfleet-gcp-dev-key")
    policy = repo["cleanupPolicies"][0]
    assert policy["action"] == "DELETE" and policy["condition"]["tagState"] == "UNTAGGED"
    assert gcp_plan.outputs["repositoryUrls"]["serving"] == (
        f"europe-west4-docker.pkg.dev/{PROJECT}/mlfleet-gcp-dev-images/serving"
    )


def test_workloads_bind_to_their_kubernetes_service_accounts(gcp_plan):
    for workload in ("trainer", "serving", "registry-sync"):
        binding = typed(
            gcp_plan, "gcp:serviceaccount/iAMMember:IAMMember", f"mlfleet-gcp-dev-id-{workload}-wi"
        )
        assert binding["inputs"]["role"] == "roles/iam.workloadIdentityUser"
        assert binding["inputs"]["member"] == f"serviceAccount:{PROJECT}.svc.id.goog[mlfleet/{workload}]"


def test_bucket_access_is_prefix_scoped_and_serving_reads_only(gcp_plan):
    grants = gcp_plan.of_type("gcp:storage/bucketIAMMember:BucketIAMMember")
    serving = [g["inputs"]["role"] for g in grants if g["name"].startswith("mlfleet-gcp-dev-id-serving")]
    trainer = [g["inputs"]["role"] for g in grants if g["name"].startswith("mlfleet-gcp-dev-id-trainer")]
    assert serving == ["roles/storage.objectViewer"]
    assert sorted(trainer) == ["roles/storage.objectCreator", "roles/storage.objectViewer"]
    for grant in grants:
        if grant["name"].startswith("mlfleet-gcp-dev-id-"):
            assert "/objects/models/" in grant["inputs"]["condition"]["expression"]


def test_no_basic_or_admin_roles(gcp_plan):
    for token in ("gcp:projects/iAMMember:IAMMember", "gcp:storage/bucketIAMMember:BucketIAMMember"):
        for member in gcp_plan.of_type(token):
            role = member["inputs"]["role"]
            assert role not in BANNED_ROLES and not role.endswith(".admin"), role


def test_github_federation_is_limited_to_one_repository_and_branch(gcp_plan):
    provider = gcp_plan.one("gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider")["inputs"]
    assert provider["oidc"]["issuerUri"] == "https://token.actions.githubusercontent.com"
    assert provider["attributeCondition"] == (
        'assertion.repository == "example-org/mlfleet"'
        ' && (assertion.ref == "refs/heads/main" || assertion.environment == "drift")'
    )
    # Each account is bound to one OIDC subject: the deploy jobs' and the drift jobs'.
    for account, subject in (
        ("deployer", "repo:example-org/mlfleet:ref:refs/heads/main"),
        ("drift", "repo:example-org/mlfleet:environment:drift"),
    ):
        wif = typed(gcp_plan, "gcp:serviceaccount/iAMMember:IAMMember", f"mlfleet-gcp-dev-id-{account}-wif")
        assert wif["inputs"]["member"].endswith(f"/subject/{subject}")
        assert wif["inputs"]["member"].startswith("principal://iam.googleapis.com/")
        role = typed(gcp_plan, "gcp:projects/iAMCustomRole:IAMCustomRole", f"mlfleet-gcp-dev-id-{account}")
        assert all("*" not in permission for permission in role["inputs"]["permissions"])
