"""No public S3 ACL: no public canned ACL and no grant to the AllUsers/AuthenticatedUsers groups
(a missing ACL is the provider default, private)."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.props import get, items
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule

PUBLIC_CANNED = {"public-read", "public-read-write", "authenticated-read"}
PUBLIC_GROUPS = (
    "http://acs.amazonaws.com/groups/global/AllUsers",
    "http://acs.amazonaws.com/groups/global/AuthenticatedUsers",
)


def check(r: Resource) -> Iterator[str]:
    acl = str(get(r.props, "acl", "private"))
    if acl in PUBLIC_CANNED:
        yield f"canned ACL {acl!r} makes the bucket public"
    for grant in items(get(r.props, "accessControlPolicy.grants")):
        uri = str(get(grant, "grantee.uri", ""))
        if uri in PUBLIC_GROUPS:
            yield f"grants {get(grant, 'permission')} to {uri.rsplit('/', 1)[-1]}"


RULE = resource_rule(
    RuleMeta(
        id="aws-s3-no-public-acl",
        description="S3 bucket ACLs must not grant access to everyone or to any AWS account.",
        severity=Severity.CRITICAL,
        remediation=(
            "Remove the BucketAcl (use BucketOwnershipControls BucketOwnerEnforced) or set acl='private'."
        ),
        frameworks=("cis", "pci-dss", "hipaa", "gdpr", "iso27001"),
        topics=("aws", "s3", "storage", "public-access"),
    ),
    ["aws:s3/bucketAcl:BucketAcl"],
    check,
)
