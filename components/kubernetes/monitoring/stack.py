"""kube-prometheus-stack (helm.v3.Release) + the mlfleet PrometheusRule + dashboard ConfigMaps."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi
import pulumi_kubernetes as k8s
import pulumi_random as random

from components.kubernetes.monitoring.alertmanager import alertmanager_config
from components.kubernetes.monitoring.dashboards import dashboards_json
from components.kubernetes.monitoring.gpu_cost import groups as gpu_cost_groups
from components.kubernetes.monitoring.rules import rule_groups
from components.kubernetes.node_pools import POOL_LABEL
from components.monitoring_stack import GRAFANA_VERSION, MonitoringStackArgs

REPOSITORY = "https://prometheus-community.github.io/helm-charts"
INSTANCE_TYPE_LABEL = "node.kubernetes.io/instance-type"


def chart_values(args: MonitoringStackArgs, admin_password: pulumi.Input[str]) -> dict[str, Any]:
    """The chart values: persistent Prometheus/Grafana, retention, and selectors that pick up every
    ServiceMonitor/PrometheusRule (not only the chart's own)."""

    def claim(size: str) -> dict[str, Any]:
        spec: dict[str, Any] = {
            "accessModes": ["ReadWriteOnce"],
            "resources": {"requests": {"storage": size}},
        }
        if args.storage_class:
            spec["storageClassName"] = args.storage_class
        return {"volumeClaimTemplate": {"spec": spec}}

    grafana_persistence: dict[str, Any] = {"enabled": True, "size": args.grafana_storage_size}
    if args.storage_class:
        grafana_persistence["storageClassName"] = args.storage_class
    return {
        "prometheus": {
            "prometheusSpec": {
                "retention": args.retention,
                "storageSpec": claim(args.storage_size),
                "ruleSelectorNilUsesHelmValues": False,
                "serviceMonitorSelectorNilUsesHelmValues": False,
                "podMonitorSelectorNilUsesHelmValues": False,
            }
        },
        "alertmanager": {
            "alertmanagerSpec": {"storage": claim("5Gi")},
            # Receivers carry secrets (routing keys, webhook URLs, SMTP passwords): the whole
            # rendered config is a Pulumi secret.
            "config": pulumi.Output.secret(
                pulumi.Output.all(
                    {
                        name: {"kind": r.kind, "severities": list(r.severities), "settings": dict(r.settings)}
                        for name, r in args.alert_receivers.items()
                    },
                    dict(args.alert_hook) if args.alert_hook is not None else None,
                ).apply(lambda resolved: alertmanager_config(resolved[0], resolved[1]))
            ),
        },
        "grafana": {
            "image": {"tag": GRAFANA_VERSION},
            "adminPassword": admin_password,
            "persistence": grafana_persistence,
            "sidecar": {"dashboards": {"enabled": True, "label": "grafana_dashboard", "labelValue": "1"}},
        },
        # The GPU-idle alerts join on the node pool label and price nodes by instance type (the
        # well-known label); kube-state-metrics exports only allowed labels (`nodes=[a,b]`:
        # kubernetes/kube-state-metrics docs/developer/cli-arguments.md, --metric-labels-allowlist).
        "kube-state-metrics": {"metricLabelsAllowlist": [f"nodes=[{POOL_LABEL},{INSTANCE_TYPE_LABEL}]"]},
    }


class KubernetesMonitoringStack(pulumi.ComponentResource):
    namespace: pulumi.Output[str]
    grafana_admin_password: pulumi.Output[str]
    release: pulumi.Resource

    def __init__(
        self,
        name: str,
        args: MonitoringStackArgs,
        provider: k8s.Provider,
        labels: Mapping[str, str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("mlfleet:kubernetes:MonitoringStack", name, None, opts)
        child = pulumi.ResourceOptions(parent=self, provider=provider)
        # Generated once and kept in state as a secret: never a literal in code or stack files.
        password = random.RandomPassword(
            f"{name}-grafana-admin", length=32, special=False, opts=pulumi.ResourceOptions(parent=self)
        )
        release = k8s.helm.v3.Release(
            name,
            name="kube-prometheus-stack",
            chart="kube-prometheus-stack",
            version=args.chart_version,
            repository_opts=k8s.helm.v3.RepositoryOptsArgs(repo=REPOSITORY),
            namespace=args.namespace,
            atomic=True,
            cleanup_on_fail=True,
            timeout=900,
            values=chart_values(args, password.result),
            opts=child,
        )
        # The chart installs the CRDs: the rule and dashboards wait for the release.
        after_release = pulumi.ResourceOptions(parent=self, provider=provider, depends_on=[release])
        meta_labels = {**labels, "release": "kube-prometheus-stack"}
        k8s.apiextensions.CustomResource(
            f"{name}-serving-rules",
            api_version="monitoring.coreos.com/v1",
            kind="PrometheusRule",
            metadata=k8s.meta.v1.ObjectMetaArgs(
                name="mlfleet-serving", namespace=args.namespace, labels=meta_labels
            ),
            spec={"groups": [*rule_groups(), *gpu_cost_groups(args.gpu_idle_cost)]},
            opts=after_release,
        )
        for file_name, board in dashboards_json().items():
            k8s.core.v1.ConfigMap(
                f"{name}-dashboard-{file_name.removesuffix('.json')}",
                metadata=k8s.meta.v1.ObjectMetaArgs(
                    name=f"dashboard-{file_name.removesuffix('.json')}",
                    namespace=args.namespace,
                    labels={**labels, "grafana_dashboard": "1"},
                ),
                data={file_name: board},
                opts=after_release,
            )
        self.namespace = pulumi.Output.from_input(args.namespace)
        self.grafana_admin_password = pulumi.Output.secret(password.result)
        self.release = release
        self.register_outputs(
            {"namespace": self.namespace, "grafana_admin_password": self.grafana_admin_password}
        )
