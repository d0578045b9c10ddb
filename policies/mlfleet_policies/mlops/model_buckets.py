"""Model buckets on every cloud: children of a `*:ModelBucket` component, or buckets named for models."""

from __future__ import annotations

from pulumi_policy import PolicyResource

from mlfleet_policies.mlops.cells import cross_cell_sync
from mlfleet_policies.mlops.multi_region_front_door import regions
from mlfleet_policies.props import get, items
from mlfleet_policies.stack_index import StackIndex

BUCKET_TYPES = {
    "aws:s3/bucket:Bucket": "aws",
    "gcp:storage/bucket:Bucket": "gcp",
    "azure-native:storage:StorageAccount": "azure",
}
MULTI_REGION_GCS = {"US", "EU", "ASIA", "NAM4", "EUR4", "ASIA1", "EUR5", "EUR7", "EUR8", "NAM7"}
GEO_REDUNDANT_SKUS = {"Standard_GRS", "Standard_RAGRS", "Standard_GZRS", "Standard_RAGZRS"}


def log_targets(index: StackIndex) -> set[str]:
    """URNs of buckets that receive access logs (not model buckets): S3 server access log targets
    (SSE-S3 only) and GCS buckets another bucket names as its `logging.logBucket`."""
    loggings = index.of_type("aws:s3/bucketLogging:BucketLogging")
    targets = {
        b.urn
        for b in index.of_type("aws:s3/bucket:Bucket")
        if any(index.refers_to(g, "targetBucket", b) for g in loggings)
    }
    gcs = index.of_type("gcp:storage/bucket:Bucket")
    targets |= {
        b.urn for b in gcs if any(o is not b and index.refers_to(o, "logging.logBucket", b) for o in gcs)
    }
    return targets


def replica_targets(index: StackIndex) -> set[str]:
    """URNs of buckets that are the destination of an S3 replication rule (the replicas themselves)."""
    destinations = {
        str(get(rule, "destination.bucket"))
        for c in index.of_type("aws:s3/bucketReplicationConfig:BucketReplicationConfig")
        for rule in items(get(c.props, "rules"))
    }
    return {b.urn for b in index.of_type("aws:s3/bucket:Bucket") if str(get(b.props, "arn")) in destinations}


def model_buckets(index: StackIndex) -> list[PolicyResource]:
    found = []
    logs = log_targets(index)
    for r in index.of_type(*BUCKET_TYPES):
        if r.urn in logs:
            continue
        named = "model" in r.name.lower() or "model" in str(get(r.props, "tags.purpose", "")).lower()
        if index.has_ancestor_type(r, ":ModelBucket") or named:
            found.append(r)
    return found


def is_versioned(index: StackIndex, bucket: PolicyResource) -> bool:
    cloud = BUCKET_TYPES[bucket.resource_type]
    if cloud == "gcp":
        return get(bucket.props, "versioning.enabled") is True
    if cloud == "aws":
        kind = "aws:s3/bucketVersioning:BucketVersioning"
        return any(
            index.refers_to(v, "bucket", bucket)
            and get(v.props, "versioningConfiguration.status") == "Enabled"
            for v in index.of_type(kind)
        )
    kind = "azure-native:storage:BlobServiceProperties"
    return any(
        index.refers_to(v, "accountName", bucket) and get(v.props, "isVersioningEnabled") is True
        for v in index.of_type(kind)
    )


def is_replicated(index: StackIndex, bucket: PolicyResource) -> bool:
    """Replicated to another region by its cloud, or, in a stack of several regions, by the cross-cell
    registry sync (every cell's registry has a copy in another cell)."""
    if cross_cell_sync(index) and len(regions(index)) >= 2:
        return True
    cloud = BUCKET_TYPES[bucket.resource_type]
    if cloud == "aws":
        if bucket.urn in replica_targets(index):
            return True
        return any(
            index.refers_to(c, "bucket", bucket)
            for c in index.of_type("aws:s3/bucketReplicationConfig:BucketReplicationConfig")
        )
    if cloud == "gcp":
        location = str(get(bucket.props, "location", "")).upper()
        placed = items(get(bucket.props, "customPlacementConfig.dataLocations"))
        return location in MULTI_REGION_GCS or len(placed) >= 2
    sku = str(get(bucket.props, "sku.name", ""))
    policies = index.of_type("azure-native:storage:ObjectReplicationPolicy")
    return sku in GEO_REDUNDANT_SKUS or any(index.refers_to(p, "accountName", bucket) for p in policies)
