"""Every add-on release's rendered values (as the plans carry them) are keys the pinned chart has.

The charts' own files at the pinned versions are kept beside this test (charts/): where a chart ships
values.schema.json (cert-manager, external-dns) the values are validated against it (cert-manager's
rejects unknown keys, external-dns's does not); every key we set must also exist in the chart's
values.yaml (aws-load-balancer-controller, dcgm-exporter, external-dns), down to free-form maps
(`{}` defaults), lists and Kubernetes objects the templates render whole with toYaml. Custom
resources the edge creates are checked against their CRDs' schemas (strict: unknown fields fail, as
`kubectl --validate=strict` would).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from components.addons import aws_load_balancer_controller, cert_manager, dcgm_exporter, external_dns
from mlfleet.engine.harness import preview_stack

CHARTS = Path(__file__).with_name("charts")
RELEASE = "kubernetes:helm.sh/v3:Release"
# Kubernetes objects the charts' templates copy whole (`toYaml .Values.<key>`): any field is theirs.
KUBERNETES_OBJECTS = frozenset({"securityContext", "podSecurityContext", "resources", "affinity"})


def releases(stack: str, chart: str) -> list[dict[str, Any]]:
    found = [r["inputs"] for r in preview_stack(stack).of_type(RELEASE) if r["inputs"]["chart"] == chart]
    assert found, f"{stack} installs no {chart}"
    return found


def unknown_keys(ours: Any, defaults: Any, path: str = "") -> list[str]:
    """Keys of `ours` that the chart's values.yaml does not have (free-form maps end the walk)."""
    if not isinstance(ours, dict) or not isinstance(defaults, dict) or not defaults:
        return []
    missing = []
    for key, value in ours.items():
        where = f"{path}.{key}" if path else key
        if key not in defaults:
            missing.append(where)
        elif key not in KUBERNETES_OBJECTS:
            missing += unknown_keys(value, defaults[key], where)
    return missing


@pytest.mark.parametrize(
    ("stack", "chart", "version", "schema"),
    [
        (stack, external_dns.CHART, external_dns.CHART_VERSION, "external-dns-1.21.1.values.schema.json")
        for stack in ("dev", "gcp-dev", "azure-dev")
    ]
    + [
        (
            "azure-dev",
            cert_manager.CHART,
            cert_manager.CHART_VERSION,
            "cert-manager-v1.21.1.values.schema.json",
        )
    ],
)
def test_values_match_the_charts_schema(stack: str, chart: str, version: str, schema: str) -> None:
    assert version in schema
    document = json.loads((CHARTS / schema).read_text())
    for release in releases(stack, chart):
        assert release["version"] == version
        jsonschema.validate(release["values"], document)


@pytest.mark.parametrize(
    ("stack", "chart", "values_file"),
    [
        ("dev", aws_load_balancer_controller.CHART, "aws-load-balancer-controller-3.5.0.values.yaml"),
        *[(stack, dcgm_exporter.CHART, "dcgm-exporter-4.1.3.values.yaml") for stack in ("dev", "gcp-dev")],
        *[
            (stack, external_dns.CHART, "external-dns-1.21.1.values.yaml")
            for stack in ("dev", "gcp-dev", "azure-dev")
        ],
    ],
)
def test_values_are_keys_the_chart_has(stack: str, chart: str, values_file: str) -> None:
    defaults = yaml.safe_load((CHARTS / values_file).read_text())
    for release in releases(stack, chart):
        assert release["version"] in values_file
        assert unknown_keys(release["values"], defaults) == []


def test_key_check_catches_a_misspelled_key() -> None:
    defaults = yaml.safe_load((CHARTS / "dcgm-exporter-4.1.3.values.yaml").read_text())
    assert unknown_keys({"serviceMonitor": {"enable": True}, "nodeSelector": {"any": "x"}}, defaults) == [
        "serviceMonitor.enable"
    ]
    schema = json.loads((CHARTS / "cert-manager-v1.21.1.values.schema.json").read_text())
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"crds": {"enable": True}}, schema)


def strict(schema: Any) -> Any:
    """A CRD schema with unknown fields rejected (CRDs prune them silently; kubectl strict rejects)."""
    if isinstance(schema, dict):
        out = {k: strict(v) for k, v in schema.items()}
        if "properties" in out and "additionalProperties" not in out:
            out["additionalProperties"] = False
        return out
    if isinstance(schema, list):
        return [strict(v) for v in schema]
    return schema


def test_cluster_issuer_matches_the_cert_manager_crd() -> None:
    # openAPIV3Schema of deploy/crds/cert-manager.io_clusterissuers.yaml at v1.21.1, spec.acme with
    # the dns01.azureDNS solver only (the http01 and other DNS solvers' subtrees removed for size).
    schema = strict(
        json.loads((CHARTS / "cert-manager-v1.21.1.clusterissuer-acme-azuredns.schema.json").read_text())
    )
    (issuer,) = preview_stack("azure-dev").of_type("kubernetes:cert-manager.io/v1:ClusterIssuer")
    manifest = {k: v for k, v in issuer["inputs"].items() if k != "metadata"}
    jsonschema.validate(manifest, schema)
    broken = json.loads(json.dumps(manifest))
    broken["spec"]["acme"]["solvers"][0]["dns01"]["azureDNS"]["hostedZone"] = "typo"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema)


# spec of networking.gke.io/v1 in GoogleCloudPlatform/gke-managed-certs deploy/managedcertificates-crd.yaml
# (commit 3498c2a0; the old copy from 9cb131dc was v1beta1's, one domain only): up to 100 domains of at
# most 63 characters, lowercase, no trailing dot. `additionalProperties: False` is ours (strict
# validation, as `kubectl --validate=strict`).
MANAGED_CERTIFICATE_SPEC = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "domains": {
            "type": "array",
            "maxItems": 100,
            "items": {
                "type": "string",
                "maxLength": 63,
                "pattern": r"^(([a-z0-9]+|[a-z0-9][-a-z0-9]*[a-z0-9])\.)+[a-z][-a-z0-9]*[a-z0-9]$",
            },
        }
    },
}


@pytest.mark.parametrize("stack", ["gcp-dev", "staging-global"])
def test_managed_certificate_matches_its_crd(stack: str) -> None:
    found = preview_stack(stack).of_type("kubernetes:networking.gke.io/v1:ManagedCertificate")
    assert len(found) == 1
    jsonschema.validate(found[0]["inputs"]["spec"], MANAGED_CERTIFICATE_SPEC)
