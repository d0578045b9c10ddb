"""In a stack spanning regions, every cell's model registry is kept in sync with the primary's: it is
the sync's source, a native replica (S3 replication, Azure object replication), or the destination of
a sync workload (`mlfleet-registry sync <url>`, components/kubernetes/registry_sync.py) whose pods'
service account is trusted by an identity that can write there:
- AWS: a role whose web-identity trust names the pod's `system:serviceaccount:<ns>:<sa>` as `:sub`
  (or, on the primary's own cloud, that EKS Pod Identity binds to it), with s3:PutObject under the bucket;
- GCP: a service account with object create on the bucket, impersonable by that subject of a
  workload identity pool (`principal://.../subject/<sub>`), or by it through GKE Workload Identity;
- Azure: a managed identity with a data-write role on the container and a federated credential for
  that subject.
A sync that names a registry nobody in the plan can write to, or a cell registry no sync reaches, is a
version that never arrives there. Nothing is inferred from a resource's name.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import urlparse

from pulumi_policy import PolicyResource, Severity

from mlfleet_policies.mlops.model_buckets import BUCKET_TYPES, model_buckets, replica_targets
from mlfleet_policies.mlops.multi_region_front_door import regions
from mlfleet_policies.props import get, items, strings
from mlfleet_policies.rule import RuleMeta, stack_rule
from mlfleet_policies.stack_index import StackIndex

CRONJOB = "kubernetes:batch/v1:CronJob"
GKE_MEMBER = re.compile(r"^serviceAccount:[^\[]+\.svc\.id\.goog\[(?P<namespace>[^/]+)/(?P<account>[^\]]+)\]$")
GCP_WRITERS = {"roles/storage.objectCreator", "roles/storage.objectAdmin", "roles/storage.admin"}
# Storage Blob Data Contributor / Owner (Azure built-in role definition ids).
AZURE_WRITERS = ("ba92f5b4-2d11-453d-a403-e96b0029c9fe", "b7e6dc6d-f1e8-4753-8033-0f276bb0955b")


def sync_jobs(index: StackIndex) -> list[tuple[str, str, str]]:
    """(source URL, destination URL, pod subject) of every `mlfleet-registry sync` CronJob."""
    found = []
    for job in index.of_type(CRONJOB):
        pod = get(job.props, "spec.jobTemplate.spec.template.spec") or {}
        subject = f"system:serviceaccount:{get(job.props, 'metadata.namespace', 'default')}:" + str(
            get(pod, "serviceAccountName", "default")
        )
        for container in items(get(pod, "containers")):
            args = strings(get(container, "args"))
            if strings(get(container, "command"))[-1:] == ["mlfleet-registry"] and args[:1] == ["sync"]:
                env = {str(get(e, "name")): str(get(e, "value", "")) for e in items(get(container, "env"))}
                found.append((env.get("MLFLEET_REGISTRY", ""), args[1] if len(args) > 1 else "", subject))
    return found


def _names(index: StackIndex, bucket: PolicyResource) -> set[str]:
    """What a registry URL's host is for this bucket: the bucket's name; on Azure its containers'."""
    if BUCKET_TYPES[bucket.resource_type] != "azure":
        return {str(get(bucket.props, k)) for k in ("bucket", "name", "id") if get(bucket.props, k)}
    containers = index.of_type("azure-native:storage:BlobContainer")
    return {
        str(get(c.props, "containerName") or get(c.props, "name"))
        for c in containers
        if index.refers_to(c, "accountName", bucket)
    }


def _pod_identity_subjects(index: StackIndex, role: PolicyResource) -> set[str]:
    """Service accounts EKS Pod Identity binds to `role` (a destination on the primary's own cloud is
    written with the sync pod's own identity)."""
    return {
        f"system:serviceaccount:{get(a.props, 'namespace')}:{get(a.props, 'serviceAccount')}"
        for a in index.of_type("aws:eks/podIdentityAssociation:PodIdentityAssociation")
        if index.refers_to(a, "roleArn", role)
    }


def _aws_writers(index: StackIndex, names: set[str]) -> set[str]:
    subjects: set[str] = set()
    for policy in index.of_type("aws:iam/rolePolicy:RolePolicy"):
        try:
            statements = items(json.loads(str(get(policy.props, "policy", "{}"))).get("Statement"))
        except ValueError:
            continue
        writes = any(
            "s3:PutObject" in strings(s.get("Action"))
            and any(r.startswith(f"arn:aws:s3:::{n}/") for r in strings(s.get("Resource")) for n in names)
            for s in statements
            if s.get("Effect") == "Allow"
        )
        for role in index.of_type("aws:iam/role:Role") if writes else []:
            if not index.refers_to(policy, "role", role):
                continue
            subjects |= _pod_identity_subjects(index, role)
            trust = json.loads(str(get(role.props, "assumeRolePolicy", "{}")))
            for statement in items(trust.get("Statement")):
                if "sts:AssumeRoleWithWebIdentity" in strings(statement.get("Action")):
                    equals = get(statement, "Condition.StringEquals") or {}
                    subjects |= {str(v) for k, v in equals.items() if k.endswith(":sub")}
    return subjects


def _gcp_writers(index: StackIndex, bucket: PolicyResource) -> set[str]:
    members = {
        str(get(m.props, "member"))
        for m in index.of_type("gcp:storage/bucketIAMMember:BucketIAMMember")
        if index.refers_to(m, "bucket", bucket) and get(m.props, "role") in GCP_WRITERS
    }
    subjects: set[str] = set()
    for account in index.of_type("gcp:serviceaccount/account:Account"):
        if f"serviceAccount:{get(account.props, 'email')}" not in members:
            continue
        for binding in index.of_type("gcp:serviceaccount/iAMMember:IAMMember"):
            member = str(get(binding.props, "member", ""))
            if not index.refers_to(binding, "serviceAccountId", account):
                continue
            if member.startswith("principal://"):  # a workload identity pool's subject (another cloud)
                subjects.add(member.rsplit("/subject/", 1)[-1])
            elif (found := GKE_MEMBER.match(member)) is not None:  # GKE Workload Identity (same cloud)
                subjects.add(f"system:serviceaccount:{found['namespace']}:{found['account']}")
    return subjects


def _azure_writers(index: StackIndex, bucket: PolicyResource) -> set[str]:
    scopes = {
        str(get(c.props, "id"))
        for c in index.of_type("azure-native:storage:BlobContainer")
        if index.refers_to(c, "accountName", bucket)
    } | {str(get(bucket.props, "id"))}
    principals = {
        str(get(a.props, "principalId"))
        for a in index.of_type("azure-native:authorization:RoleAssignment")
        if str(get(a.props, "scope")) in scopes
        and str(get(a.props, "roleDefinitionId", "")).endswith(AZURE_WRITERS)
    }
    identities = [
        i
        for i in index.of_type("azure-native:managedidentity:UserAssignedIdentity")
        if str(get(i.props, "principalId")) in principals
    ]
    return {
        str(get(f.props, "subject"))
        for f in index.of_type("azure-native:managedidentity:FederatedIdentityCredential")
        for i in identities
        if index.refers_to(f, "resourceName", i)
    }


def writers(index: StackIndex, bucket: PolicyResource) -> set[str]:
    """The Kubernetes service-account subjects a federated identity with write on `bucket` trusts."""
    cloud = BUCKET_TYPES[bucket.resource_type]
    if cloud == "aws":
        return _aws_writers(index, _names(index, bucket))
    if cloud == "gcp":
        return _gcp_writers(index, bucket)
    return _azure_writers(index, bucket)


def _host(url: str) -> str:
    return urlparse(url).netloc


def natively_replicated(index: StackIndex) -> set[str]:
    """URNs of registries their cloud replicates into (S3 replicas, Azure object replication targets)."""
    found = replica_targets(index)
    for policy in index.of_type("azure-native:storage:ObjectReplicationPolicy"):
        for account in index.of_type("azure-native:storage:StorageAccount"):
            if get(policy.props, "destinationAccount") in (
                get(account.props, "id"),
                get(account.props, "name"),
            ):
                found.add(account.urn)
    return found


def check(resources: list[PolicyResource], config: Mapping[str, Any]) -> Iterator[tuple[str, str | None]]:
    index = StackIndex(resources)
    if len(regions(index)) < 2:
        return
    jobs = sync_jobs(index)
    sources = {_host(source) for source, _, _ in jobs}
    replicas = natively_replicated(index)
    for bucket in model_buckets(index):
        names = _names(index, bucket)
        if bucket.urn in replicas or names & sources:
            continue
        into = [subject for _, destination, subject in jobs if _host(destination) in names]
        if not into:
            yield (
                f"model registry {bucket.name} is in a stack spanning {', '.join(sorted(regions(index)))} "
                "but no registry sync copies the primary's versions into it (and it is no native replica)",
                bucket.urn,
            )
            continue
        trusted = writers(index, bucket)
        if not set(into) & trusted:
            yield (
                f"the registry sync into {bucket.name} runs as {', '.join(sorted(set(into)))}, but no "
                "federated identity with write on it trusts that service account",
                bucket.urn,
            )


RULE = stack_rule(
    RuleMeta(
        id="mlops-multi-cell-registry-sync",
        description="In a stack spanning regions, every cell's model registry must receive the primary's "
        "versions (native replication, or a sync workload whose identity can write there).",
        severity=Severity.HIGH,
        remediation=(
            "Give the stack mlfleet:cells with one primary: the topology runs the registry sync CronJob in "
            "the primary cell's cluster and a federated writer identity in every other cell "
            "(docs/multi-cloud.md, Registry sync)."
        ),
        frameworks=("iso27001",),
        topics=("mlops", "topology", "resilience"),
        assumes="outputs",
    ),
    check,
)
