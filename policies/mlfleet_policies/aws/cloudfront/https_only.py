"""CloudFront distributions never serve viewers over plain HTTP (viewerProtocolPolicy allow-all) and use
TLS 1.2+."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.props import get, items
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule


def check(r: Resource) -> Iterator[str]:
    behaviors = [("defaultCacheBehavior", get(r.props, "defaultCacheBehavior", {}))]
    behaviors += [
        (f"orderedCacheBehaviors[{i}]", b) for i, b in enumerate(items(get(r.props, "orderedCacheBehaviors")))
    ]
    for where, behavior in behaviors:
        if get(behavior, "viewerProtocolPolicy") == "allow-all":
            yield f"{where}.viewerProtocolPolicy is allow-all (plain HTTP)"
    version = str(get(r.props, "viewerCertificate.minimumProtocolVersion", "TLSv1"))
    if not version.startswith(("TLSv1.2", "TLSv1.3")) and not get(
        r.props, "viewerCertificate.cloudfrontDefaultCertificate"
    ):
        yield f"viewerCertificate.minimumProtocolVersion is {version}"


RULE = resource_rule(
    RuleMeta(
        id="aws-cloudfront-https-only",
        description="CloudFront must redirect or require HTTPS with TLS 1.2+.",
        severity=Severity.HIGH,
        remediation=(
            "Set viewerProtocolPolicy=redirect-to-https (or https-only) on every behavior and "
            "viewerCertificate.minimumProtocolVersion=TLSv1.2_2021."
        ),
        frameworks=("pci-dss", "hipaa", "gdpr", "iso27001"),
        topics=("aws", "cloudfront", "encryption-in-transit"),
    ),
    ["aws:cloudfront/distribution:Distribution"],
    check,
)
