"""In prod, model buckets are replicated to a second region (S3 replication, GCS multi/dual-region,
Azure GRS or object replication)."""

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import PolicyResource, Severity

from mlfleet_policies.mlops.model_buckets import is_replicated, model_buckets
from mlfleet_policies.props import PRODUCTION
from mlfleet_policies.rule import RuleMeta, stack_rule
from mlfleet_policies.stack_index import StackIndex


def check(resources: list[PolicyResource], config: Mapping[str, Any]) -> Iterator[tuple[str, str | None]]:
    index = StackIndex(resources)
    if str(config.get("environment") or index.environment()) not in PRODUCTION:
        return
    for bucket in model_buckets(index):
        if not is_replicated(index, bucket):
            yield f"prod model bucket {bucket.name} is not replicated to another region", bucket.urn


RULE = stack_rule(
    RuleMeta(
        id="mlops-model-bucket-replicated-in-prod",
        description="Prod model registry buckets must be replicated to another region.",
        severity=Severity.HIGH,
        remediation=(
            "AWS: BucketReplicationConfig to a bucket in another region; GCP: a dual/multi-region "
            "location; Azure: GRS/GZRS SKU or ObjectReplicationPolicy."
        ),
        frameworks=("iso27001", "hipaa"),
        topics=("mlops", "storage", "resilience"),
        assumes="outputs",
    ),
    check,
)
