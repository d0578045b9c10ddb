"""App Service apps redirect HTTP to HTTPS (httpsOnly) and refuse TLS below 1.2."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.props import get
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule


def check(r: Resource) -> Iterator[str]:
    if get(r.props, "httpsOnly") is not True:
        yield "httpsOnly is not true"
    tls = str(get(r.props, "siteConfig.minTlsVersion", "1.2"))
    if tls not in ("1.2", "1.3"):
        yield f"siteConfig.minTlsVersion is {tls!r}"


RULE = resource_rule(
    RuleMeta(
        id="azure-webapp-https-only",
        description="App Service apps must serve HTTPS only with TLS 1.2+.",
        severity=Severity.HIGH,
        remediation="Set httpsOnly=true and siteConfig.minTlsVersion='1.2'.",
        frameworks=("cis", "pci-dss", "hipaa", "gdpr"),
        topics=("azure", "web", "encryption-in-transit"),
    ),
    ["azure-native:web:WebApp"],
    check,
)
