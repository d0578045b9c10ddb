"""AWS ModelBucket security properties, asserted on the dev and prod stacks' plans."""

from __future__ import annotations

from mlfleet.engine.harness import preview_stack
from tests.unit.components.plans import as_list, statements, typed

BUCKET = "aws:s3/bucket:Bucket"


def test_every_bucket_blocks_public_access_and_disables_acls(dev_plan, prod_plan):
    for plan in (dev_plan, prod_plan):
        buckets = {b["name"] for b in plan.of_type(BUCKET)}
        blocks = {
            b["name"]: b["inputs"]
            for b in plan.of_type("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")
        }
        owners = {
            o["name"]: o["inputs"]
            for o in plan.of_type("aws:s3/bucketOwnershipControls:BucketOwnershipControls")
        }
        assert set(blocks) == buckets == set(owners)
        for inputs in blocks.values():
            assert all(
                inputs[f] is True
                for f in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
            )
        assert all(o["rule"]["objectOwnership"] == "BucketOwnerEnforced" for o in owners.values())


def test_model_bucket_uses_the_kms_key_with_a_bucket_key(dev_plan):
    sse = typed(
        dev_plan,
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        "mlfleet-dev-models",
    )
    rules = sse["inputs"]["rules"]
    default = rules[0]["applyServerSideEncryptionByDefault"]
    key = typed(dev_plan, "aws:kms/key:Key", "mlfleet-dev-key")
    assert default["sseAlgorithm"] == "aws:kms"
    assert default["kmsMasterKeyId"] == key["outputs"]["arn"]
    assert rules[0]["bucketKeyEnabled"] is True


def test_versioning_and_lifecycle_on_every_bucket(dev_plan):
    versioning = dev_plan.of_type("aws:s3/bucketVersioning:BucketVersioning")
    assert len(versioning) == 2
    assert all(v["inputs"]["versioningConfiguration"]["status"] == "Enabled" for v in versioning)
    for lifecycle in dev_plan.of_type("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"):
        rule = lifecycle["inputs"]["rules"][0]
        # stacks/Pulumi.dev.yaml sets noncurrentVersionDays: 14; abortMultipartDays defaults to 7.
        assert rule["noncurrentVersionExpiration"]["noncurrentDays"] == 14
        assert rule["abortIncompleteMultipartUpload"]["daysAfterInitiation"] == 7
        assert rule["status"] == "Enabled"


def test_access_logs_go_to_the_log_bucket_which_only_the_logging_service_writes(dev_plan):
    logging = typed(dev_plan, "aws:s3/bucketLogging:BucketLogging", "mlfleet-dev-models")["inputs"]
    assert logging["bucket"] == "mlfleet-dev-models"
    assert logging["targetBucket"] == "mlfleet-dev-models-logs"
    log_policy = next(
        p for p in dev_plan.of_type("aws:s3/bucketPolicy:BucketPolicy") if p["name"].endswith("-logs")
    )
    allow = [s for s in statements(log_policy) if s["Effect"] == "Allow"]
    assert allow[0]["Principal"] == {"Service": "logging.s3.amazonaws.com"}
    assert allow[0]["Condition"]["ArnLike"]["aws:SourceArn"] == "arn:aws:s3:::mlfleet-dev-models"


def test_every_bucket_policy_denies_requests_without_tls(prod_plan):
    policies = prod_plan.of_type("aws:s3/bucketPolicy:BucketPolicy")
    # model, log, replica and replica-log buckets
    assert len(policies) == 4
    for bucket_policy in policies:
        deny = [s for s in statements(bucket_policy) if s["Effect"] == "Deny"]
        assert deny[0]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        assert deny[0]["Principal"] == "*"
        assert len(as_list(deny[0]["Resource"])) == 2


def test_prod_protects_and_retains_stateful_resources_dev_does_not(dev_plan, prod_plan):
    for token in (BUCKET, "aws:kms/key:Key", "aws:ecr/repository:Repository"):
        assert all(r["protect"] and r["retainOnDelete"] for r in prod_plan.of_type(token)), token
        assert not any(r["protect"] or r["retainOnDelete"] for r in dev_plan.of_type(token)), token


def test_prod_replicates_to_a_second_region_with_its_own_key_and_role(prod_plan):
    replica = typed(preview_stack("prod"), "pulumi:providers:aws", "mlfleet-prod-aws-us-west-2")
    assert replica["inputs"]["region"] == "us-west-2"
    replica_bucket = typed(prod_plan, BUCKET, "mlfleet-prod-models-us-west-2")
    assert replica_bucket["provider"].startswith(replica["urn"])
    config = prod_plan.one("aws:s3/bucketReplicationConfig:BucketReplicationConfig")["inputs"]
    rule = config["rules"][0]
    assert rule["status"] == "Enabled"
    assert rule["destination"]["bucket"] == "arn:aws:s3:::mlfleet-prod-models-us-west-2"
    replica_key = [
        k for k in prod_plan.of_type("aws:kms/key:Key") if k["provider"].startswith(replica["urn"])
    ]
    assert (
        rule["destination"]["encryptionConfiguration"]["replicaKmsKeyId"] == replica_key[0]["outputs"]["arn"]
    )
    role = typed(prod_plan, "aws:iam/role:Role", "mlfleet-prod-models-replication")
    assert config["role"] == role["outputs"]["arn"]
    assert statements(role, "assumeRolePolicy")[0]["Principal"] == {"Service": "s3.amazonaws.com"}


def test_prod_replica_is_hardened_like_the_primary_with_its_own_access_logs(prod_plan):
    """Replica and its log bucket: the primary's sub-resources, in us-west-2 (S3 logs stay in-region)."""
    replica_provider = typed(preview_stack("prod"), "pulumi:providers:aws", "mlfleet-prod-aws-us-west-2")[
        "urn"
    ]
    replica_key = next(
        k for k in prod_plan.of_type("aws:kms/key:Key") if k["provider"].startswith(replica_provider)
    )
    assert replica_key["inputs"]["enableKeyRotation"] is True
    for name in ("mlfleet-prod-models-us-west-2", "mlfleet-prod-models-us-west-2-logs"):
        for token in (
            BUCKET,
            "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
            "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
            "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
            "aws:s3/bucketVersioning:BucketVersioning",
            "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
            "aws:s3/bucketPolicy:BucketPolicy",
        ):
            assert typed(prod_plan, token, name)["provider"].startswith(replica_provider), (token, name)
        assert typed(prod_plan, BUCKET, name)["protect"]
    sse = typed(
        prod_plan,
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        "mlfleet-prod-models-us-west-2",
    )["inputs"]["rules"][0]["applyServerSideEncryptionByDefault"]
    assert sse == {"sseAlgorithm": "aws:kms", "kmsMasterKeyId": replica_key["outputs"]["arn"]}
    logging = typed(prod_plan, "aws:s3/bucketLogging:BucketLogging", "mlfleet-prod-models-us-west-2")
    assert logging["provider"].startswith(replica_provider)
    assert logging["inputs"]["bucket"] == "mlfleet-prod-models-us-west-2"
    assert logging["inputs"]["targetBucket"] == "mlfleet-prod-models-us-west-2-logs"
    assert logging["inputs"]["targetPrefix"] == "s3-access/mlfleet-prod-models-us-west-2/"


def test_registry_url_and_outputs(dev_plan):
    assert dev_plan.outputs["modelRegistryUrl"] == "s3://mlfleet-dev-models/models"
    assert dev_plan.outputs["modelBucketName"] == "mlfleet-dev-models"
    assert (
        dev_plan.outputs["keyId"] == typed(dev_plan, "aws:kms/key:Key", "mlfleet-dev-key")["outputs"]["arn"]
    )
