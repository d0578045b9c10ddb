"""Would the pod's identity work? The trust chain from pod to cloud role, read from the plan.

The emulators do not evaluate trust (moto's STS issues credentials for any role, Azurite and
fake-gcs-server accept a key or nothing), so this step checks what the cloud would: the pod's
service account exists, the cloud's webhook would inject the credential the workload needs, and
the role or service account trusts exactly that Kubernetes subject.

- AWS: the SDK's credential chain tries the web-identity token (IRSA, injected when the service
  account carries `eks.amazonaws.com/role-arn`) before the container credentials of EKS Pod
  Identity (botocore `create_credential_resolver`: assume-role-with-web-identity precedes
  container-role). So an IRSA annotation shadows a Pod Identity association, and the role must
  trust whichever comes first.
- GCP: `iam.gke.io/gcp-service-account` names a Google service account that grants
  `roles/iam.workloadIdentityUser` to `serviceAccount:<project>.svc.id.goog[<ns>/<ksa>]`.
- Azure: the pod carries `azure.workload.identity/use: "true"`, its service account names the
  managed identity's client id, and that identity has a federated credential for
  `system:serviceaccount:<ns>:<ksa>`.
"""

from __future__ import annotations

import json
from typing import Any

from mlfleet.rehearse.clouds import AZURE_CLIENT_ANNOTATION, AZURE_USE_LABEL, GKE_ANNOTATION, IRSA_ANNOTATION
from mlfleet.rehearse.kube import KubeObject


def _of_type(resources: list[dict[str, Any]], token: str) -> list[dict[str, Any]]:
    return [r for r in resources if r["type"] == token]


def _policy(value: Any) -> dict[str, Any]:
    return json.loads(value) if isinstance(value, str) else dict(value or {})


def check_identity(
    cloud: str,
    resources: list[dict[str, Any]],
    workload: KubeObject,
    pod_meta: dict[str, Any],
    account: KubeObject | None,
) -> tuple[list[str], list[str]]:
    """(faults, notes) for one workload's identity. A fault names the plan resource and field."""
    if cloud not in ("aws", "gcp", "azure"):
        return [], ["no cloud identity (credentials come from the plan's Secret)"]
    if account is None:
        return [f"{workload.where('spec.serviceAccountName')}: no ServiceAccount in the plan"], []
    subject = f"system:serviceaccount:{account.namespace}:{account.name}"
    if cloud == "aws":
        return _aws(resources, account, subject)
    if cloud == "gcp":
        return _gcp(resources, account)
    return _azure(resources, workload, pod_meta, account, subject)


def _aws(resources: list[dict[str, Any]], account: KubeObject, subject: str) -> tuple[list[str], list[str]]:
    roles = {r["outputs"].get("arn"): r for r in _of_type(resources, "aws:iam/role:Role")}
    irsa = account.annotations.get(IRSA_ANNOTATION)
    associations = [
        a
        for a in _of_type(resources, "aws:eks/podIdentityAssociation:PodIdentityAssociation")
        if (a["inputs"].get("namespace"), a["inputs"].get("serviceAccount"))
        == (account.namespace, account.name)
    ]
    if irsa:
        role = roles.get(irsa)
        if role is None:
            return [f"{_sa(account)} annotation {IRSA_ANNOTATION}={irsa} names no role in the plan"], []
        trusted = any(
            "sts:AssumeRoleWithWebIdentity" in _actions(statement)
            and any(
                k.endswith(":sub") and v == subject
                for k, v in ((statement.get("Condition") or {}).get("StringEquals") or {}).items()
            )
            for statement in _policy(role["inputs"].get("assumeRolePolicy")).get("Statement", [])
        )
        if not trusted:
            return [
                f"{_sa(account)} carries {IRSA_ANNOTATION}={irsa}, so EKS's pod identity "
                "webhook injects AWS_ROLE_ARN and a web-identity token, which the SDK tries before EKS Pod "
                f"Identity; but role {role['name']} (assumeRolePolicy) does not trust {subject} through the "
                "cluster's OIDC provider: AssumeRoleWithWebIdentity is denied and the pod gets no "
                "credentials. Fix: drop the annotation when the role is bound through a "
                "PodIdentityAssociation, or trust the OIDC subject"
            ], []
        return [], [f"{account.name}: IRSA role {role['name']} trusts {subject}"]
    if not associations:
        return [
            f"{_sa(account)} has neither an IRSA annotation nor a PodIdentityAssociation: no credentials"
        ], []
    role = roles.get(associations[0]["inputs"].get("roleArn"))
    if role is None:
        return [f"PodIdentityAssociation {associations[0]['name']} (roleArn) names no role in the plan"], []
    trusted = any(
        "pods.eks.amazonaws.com" in json.dumps(statement.get("Principal", {}))
        and {"sts:AssumeRole", "sts:TagSession"} <= set(_actions(statement))
        for statement in _policy(role["inputs"].get("assumeRolePolicy")).get("Statement", [])
    )
    if not trusted:
        return [
            f"role {role['name']} (assumeRolePolicy) does not trust pods.eks.amazonaws.com with "
            "sts:AssumeRole and sts:TagSession"
        ], []
    return [], [
        f"{account.name}: EKS Pod Identity association {associations[0]['name']} -> role {role['name']}"
    ]


def _sa(account: KubeObject) -> str:
    return f"ServiceAccount {account.namespace}/{account.name}"


def _actions(statement: dict[str, Any]) -> list[str]:
    action = statement.get("Action", [])
    return [action] if isinstance(action, str) else list(action)


def _gcp(resources: list[dict[str, Any]], account: KubeObject) -> tuple[list[str], list[str]]:
    email = account.annotations.get(GKE_ANNOTATION)
    if not email:
        return [f"{_sa(account)} has no {GKE_ANNOTATION} annotation: the pod runs as the node's identity"], []
    accounts = [
        a
        for a in _of_type(resources, "gcp:serviceaccount/account:Account")
        if a["outputs"].get("email") == email
    ]
    if not accounts:
        return [f"annotation {GKE_ANNOTATION}={email} names no service account in the plan"], []
    member = f"[{account.namespace}/{account.name}]"
    bound = any(
        m["inputs"].get("role") == "roles/iam.workloadIdentityUser"
        and m["inputs"].get("member", "").endswith(member)
        and m["inputs"].get("serviceAccountId")
        in (accounts[0]["outputs"].get("name"), accounts[0]["outputs"].get("id"), email)
        for m in _of_type(resources, "gcp:serviceaccount/iAMMember:IAMMember")
    )
    if not bound:
        return [
            f"service account {email} grants roles/iam.workloadIdentityUser to no member ending in "
            f"{member}: the token exchange is denied"
        ], []
    return [], [f"{account.name}: Workload Identity -> {email}"]


def _azure(
    resources: list[dict[str, Any]],
    workload: KubeObject,
    pod_meta: dict[str, Any],
    account: KubeObject,
    subject: str,
) -> tuple[list[str], list[str]]:
    faults: list[str] = []
    if (pod_meta.get("labels") or {}).get(AZURE_USE_LABEL) != "true":
        faults.append(
            f'{workload.where("spec.template.metadata.labels")} lacks {AZURE_USE_LABEL}: "true": the Azure '
            "Workload Identity webhook does not inject AZURE_CLIENT_ID or a token: no credential"
        )
    client = account.annotations.get(AZURE_CLIENT_ANNOTATION)
    identities = [
        i
        for i in _of_type(resources, "azure-native:managedidentity:UserAssignedIdentity")
        if client and i["outputs"].get("clientId") == client
    ]
    if not identities:
        faults.append(
            f"{_sa(account)} annotation {AZURE_CLIENT_ANNOTATION} names no managed identity in the plan"
        )
        return faults, []
    name = identities[0]["inputs"].get("resourceName")
    federated = any(
        c["inputs"].get("resourceName") == name and c["inputs"].get("subject") == subject
        for c in _of_type(resources, "azure-native:managedidentity:FederatedIdentityCredential")
    )
    if not federated:
        faults.append(f"managed identity {name} has no federated credential for {subject}")
    return faults, ([] if faults else [f"{account.name}: Azure Workload Identity -> {name}"])
