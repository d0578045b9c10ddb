"""No GCS IAM grant to allUsers or allAuthenticatedUsers."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.props import get, strings
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule

PUBLIC = {"allUsers", "allAuthenticatedUsers"}


def check(r: Resource) -> Iterator[str]:
    members = [get(r.props, "member"), *strings(get(r.props, "members"))]
    public = sorted(PUBLIC & {str(m) for m in members if m})
    if public:
        yield f"grants {get(r.props, 'role')} to {', '.join(public)}"


RULE = resource_rule(
    RuleMeta(
        id="gcp-storage-no-public-iam",
        description="GCS and Artifact Registry IAM must not grant access to allUsers/allAuthenticatedUsers.",
        severity=Severity.CRITICAL,
        remediation="Grant the role to named service accounts or groups instead.",
        frameworks=("cis", "pci-dss", "hipaa", "gdpr", "iso27001"),
        topics=("gcp", "storage", "registry", "public-access"),
    ),
    [
        "gcp:storage/bucketIAMMember:BucketIAMMember",
        "gcp:storage/bucketIAMBinding:BucketIAMBinding",
        "gcp:artifactregistry/repositoryIamMember:RepositoryIamMember",
        "gcp:artifactregistry/repositoryIamBinding:RepositoryIamBinding",
    ],
    check,
)
