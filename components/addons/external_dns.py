"""external-dns: keeps the serving hostname's record in the stack's DNS zone pointing at the serving
Ingress's load balancer, on every cloud (the provider and its identity differ, the chart does not).

Chart `external-dns` from https://kubernetes-sigs.github.io/external-dns/ pinned to CHART_VERSION
(kubernetes-sigs/external-dns, tag external-dns-helm-chart-1.21.1: charts/external-dns/values.yaml
and values.schema.json; flags from pkg/apis/externaldns/types.go of the same tag).

- `sources: [ingress]`, `domainFilters: [<zone>]`: only Ingress hosts inside the stack's zone;
- `txtOwnerId: <stack or stack-cell>`: the TXT registry marks the records this instance owns, so two
  stacks (or two cells) sharing a zone never touch each other's records;
- `policy: sync`, not `upsert-only`: when the Ingress (and its load balancer) goes, its record goes
  too, so no name is left pointing at an address the cloud may hand to someone else (a dangling
  record is a subdomain takeover); sync deletes only records the TXT registry says this owner made.

Behind a front door the Ingress also routes the global name, whose records the front door owns; the
Ingress then tells external-dns to publish only the cell's own name (`publish_only`). Not
`--exclude-domains`: it matches suffixes (endpoint/domain_filter.go, matchFilter), and the cells'
own names (`<cell>.<global name>`) are subdomains of the global name, so it would drop them too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components.addons.helm_release import PinnedChart

CHART = "external-dns"
CHART_VERSION = "1.21.1"  # app 0.21.0
REPOSITORY = "https://kubernetes-sigs.github.io/external-dns/"
NAMESPACE = "kube-system"
SERVICE_ACCOUNT = "external-dns"
POLICY = "sync"
# Ingress annotations the ingress source reads (source/annotations/annotations.go, source/ingress.go at
# external-dns-helm-chart-1.21.1): with `annotation-only` the Ingress's rule and TLS hosts are ignored
# and only the names in the hostname annotation (comma-separated) are published.
HOSTNAME_ANNOTATION = "external-dns.alpha.kubernetes.io/hostname"
HOSTNAME_SOURCE_ANNOTATION = "external-dns.alpha.kubernetes.io/ingress-hostname-source"
ANNOTATION_ONLY = "annotation-only"


@dataclass(frozen=True)
class ExternalDnsValues:
    """What differs per cloud: the provider, its flags and how the pod gets its identity."""

    provider: str
    zone: str
    owner_id: str
    extra_args: Sequence[pulumi.Input[str]] = ()
    env: Sequence[Mapping[str, pulumi.Input[str]]] = ()
    service_account_annotations: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    service_account_labels: Mapping[str, str] = field(default_factory=dict)
    pod_labels: Mapping[str, str] = field(default_factory=dict)
    extra_volumes: Sequence[Mapping[str, Any]] = ()
    extra_volume_mounts: Sequence[Mapping[str, Any]] = ()


def publish_only(hostnames: Sequence[str]) -> dict[str, str]:
    """Ingress annotations that limit external-dns to `hostnames`, whatever else the Ingress routes."""
    return {HOSTNAME_SOURCE_ANNOTATION: ANNOTATION_ONLY, HOSTNAME_ANNOTATION: ",".join(hostnames)}


def chart_values(values: ExternalDnsValues) -> dict[str, Any]:
    """Typed values of the pinned chart (keys checked against its values.schema.json in the tests)."""
    out: dict[str, Any] = {
        "provider": {"name": values.provider},
        "sources": ["ingress"],
        "domainFilters": [values.zone],
        "txtOwnerId": values.owner_id,
        "registry": "txt",
        "policy": POLICY,
        "serviceAccount": {
            "create": True,
            "name": SERVICE_ACCOUNT,
            "annotations": dict(values.service_account_annotations),
            "labels": dict(values.service_account_labels),
        },
        "podLabels": dict(values.pod_labels),
        "extraArgs": list(values.extra_args),
        "env": [dict(e) for e in values.env],
        "resources": {
            "requests": {"cpu": "50m", "memory": "64Mi"},
            "limits": {"cpu": "200m", "memory": "128Mi"},
        },
    }
    if values.extra_volumes:
        out["extraVolumes"] = list(values.extra_volumes)
        out["extraVolumeMounts"] = list(values.extra_volume_mounts)
    return out


def external_dns(
    name: str, values: ExternalDnsValues, provider: k8s.Provider, opts: pulumi.ResourceOptions
) -> k8s.helm.v3.Release:
    """The release; `opts` carries the parent and what the identity binding needs first."""
    return PinnedChart(CHART, CHART_VERSION, REPOSITORY, NAMESPACE).release(
        name, chart_values(values), provider, opts
    )
