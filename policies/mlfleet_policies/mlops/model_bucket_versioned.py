"""Model buckets keep every version of every artifact (S3 BucketVersioning, GCS versioning, Azure blob
versioning)."""

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import PolicyResource, Severity

from mlfleet_policies.mlops.model_buckets import is_versioned, model_buckets
from mlfleet_policies.rule import RuleMeta, stack_rule
from mlfleet_policies.stack_index import StackIndex


def check(resources: list[PolicyResource], config: Mapping[str, Any]) -> Iterator[tuple[str, str | None]]:
    index = StackIndex(resources)
    for bucket in model_buckets(index):
        if not is_versioned(index, bucket):
            yield f"model bucket {bucket.name} is not versioned", bucket.urn


RULE = stack_rule(
    RuleMeta(
        id="mlops-model-bucket-versioned",
        description="Model registry buckets must be versioned.",
        severity=Severity.HIGH,
        remediation=(
            "Enable versioning on the model bucket (aws BucketVersioning, gcp versioning.enabled, "
            "azure BlobServiceProperties.isVersioningEnabled)."
        ),
        frameworks=("iso27001",),
        topics=("mlops", "storage", "resilience"),
        assumes="outputs",
    ),
    check,
)
