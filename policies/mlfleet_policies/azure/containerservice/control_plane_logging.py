"""AKS Defender/monitoring: Azure Monitor agent or audit logs via the monitoring addon."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.props import get
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule


def check(r: Resource) -> Iterator[str]:
    oms = get(r.props, "addonProfiles.omsagent.enabled") or get(r.props, "addonProfiles.omsAgent.enabled")
    if oms is not True and get(r.props, "azureMonitorProfile.metrics.enabled") is not True:
        yield "neither the omsagent addon nor azureMonitorProfile is enabled"


RULE = resource_rule(
    RuleMeta(
        id="azure-aks-monitoring",
        description="AKS clusters must send logs/metrics to Azure Monitor.",
        severity=Severity.MEDIUM,
        remediation=(
            "Enable addon_profiles.omsagent (Log Analytics) or azure_monitor_profile; add a "
            "diagnostic setting for kube-audit."
        ),
        frameworks=("cis", "pci-dss", "hipaa"),
        topics=("azure", "aks", "cluster", "logging"),
    ),
    [
        "azure-native:containerservice:ManagedCluster",
    ],
    check,
)
