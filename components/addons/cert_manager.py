"""cert-manager: issues the serving Ingress's TLS Secret from Let's Encrypt (ACME DNS-01).

Chart `cert-manager` from https://charts.jetstack.io pinned to CHART_VERSION, CRDs installed by the
chart (`crds.enabled`, kept on uninstall by `crds.keep` so Certificates survive a chart removal)
(cert-manager/cert-manager, tag v1.21.1: deploy/charts/cert-manager/values.yaml and
values.schema.json). The ClusterIssuer's `azureDNS` solver fields follow
pkg/apis/acme/v1/types_issuer.go of the same tag (ACMEIssuerDNS01ProviderAzureDNS,
AzureManagedIdentity); with `managedIdentity.clientID` and the workload identity label on the pod,
cert-manager signs in with the federated token, no secret (cert-manager.io docs, ACME DNS01 AzureDNS,
"Managed Identity Using AAD Workload Identity").
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi

CHART = "cert-manager"
CHART_VERSION = "v1.21.1"
REPOSITORY = "https://charts.jetstack.io"
NAMESPACE = "cert-manager"
# The chart's controller service account (its fullname for release name `cert-manager`).
SERVICE_ACCOUNT = "cert-manager"
ACME_SERVER = "https://acme-v02.api.letsencrypt.org/directory"


def chart_values(pod_labels: Mapping[str, str]) -> dict[str, Any]:
    """Typed values of the pinned chart (checked against its values.schema.json in the tests)."""
    return {
        "crds": {"enabled": True, "keep": True},
        "replicaCount": 1,
        "podLabels": dict(pod_labels),
        "serviceAccount": {"create": True},
        "resources": {
            "requests": {"cpu": "50m", "memory": "128Mi"},
            "limits": {"cpu": "500m", "memory": "512Mi"},
        },
    }


def azure_dns_issuer_spec(
    zone: str,
    resource_group: str,
    subscription_id: pulumi.Input[str],
    client_id: pulumi.Input[str],
    account_key_secret: str,
    email: str | None,
) -> dict[str, Any]:
    """A ClusterIssuer spec: Let's Encrypt, DNS-01 in one Azure DNS zone, workload identity."""
    acme: dict[str, Any] = {
        "server": ACME_SERVER,
        "privateKeySecretRef": {"name": account_key_secret},
        "solvers": [
            {
                "selector": {"dnsZones": [zone]},
                "dns01": {
                    "azureDNS": {
                        "hostedZoneName": zone,
                        "resourceGroupName": resource_group,
                        "subscriptionID": subscription_id,
                        "environment": "AzurePublicCloud",
                        "managedIdentity": {"clientID": client_id},
                    }
                },
            }
        ],
    }
    if email:
        acme["email"] = email
    return {"acme": acme}
