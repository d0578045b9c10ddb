"""App Service apps allow no plain FTP deployment (siteConfig.ftpsState AllAllowed)."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.props import get
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule


def check(r: Resource) -> Iterator[str]:
    if get(r.props, "siteConfig.ftpsState") == "AllAllowed":
        yield "siteConfig.ftpsState is 'AllAllowed' (plain FTP)"


RULE = resource_rule(
    RuleMeta(
        id="azure-webapp-no-plain-ftp",
        description="App Service apps must not allow plain FTP.",
        severity=Severity.MEDIUM,
        remediation="Set siteConfig.ftpsState=Disabled (or FtpsOnly).",
        frameworks=("cis", "pci-dss"),
        topics=("azure", "web", "encryption-in-transit"),
    ),
    ["azure-native:web:WebApp"],
    check,
)
