"""Every GCP IAM resource type and the (role, member) pairs it grants.

Three shapes per scope: `IAMMember` (role + member), `IAMBinding` (role + members) and `IAMPolicy`
(policyData: the whole policy as a JSON string, as `organizations.get_iam_policy` renders it)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from mlfleet_policies.props import get, items, mapping, strings

SCOPES = {
    "project": ("gcp:projects/iAM{}:IAM{}",),
    "folder": ("gcp:folder/iAM{}:IAM{}",),
    "organization": ("gcp:organizations/iAM{}:IAM{}",),
    "service account": ("gcp:serviceaccount/iAM{}:IAM{}",),
    "bucket": ("gcp:storage/bucketIAM{}:BucketIAM{}",),
    "BigQuery dataset": ("gcp:bigquery/datasetIam{}:DatasetIam{}",),
    "KMS key": ("gcp:kms/cryptoKeyIAM{}:CryptoKeyIAM{}", "gcp:kms/keyRingIAM{}:KeyRingIAM{}"),
    "Pub/Sub": ("gcp:pubsub/topicIAM{}:TopicIAM{}", "gcp:pubsub/subscriptionIAM{}:SubscriptionIAM{}"),
    "secret": ("gcp:secretmanager/secretIam{}:SecretIam{}",),
    "repository": ("gcp:artifactregistry/repositoryIam{}:RepositoryIam{}",),
    "Cloud Function": ("gcp:cloudfunctions/functionIam{}:FunctionIam{}",),
}
SHAPES = ("Member", "Binding", "Policy")
SCOPE_OF = {
    pattern.format(shape, shape): scope
    for scope, patterns in SCOPES.items()
    for pattern in patterns
    for shape in SHAPES
}
IAM_TYPES = tuple(sorted(SCOPE_OF))
HIERARCHY_TYPES = tuple(t for t in IAM_TYPES if SCOPE_OF[t] in ("project", "folder", "organization"))
PUBLIC_MEMBERS = ("allUsers", "allAuthenticatedUsers")


def grants(props: Any) -> Iterator[tuple[str, str]]:
    """(role, member) for a Member, a Binding, or each binding of a Policy's policyData."""
    role = get(props, "role")
    if role is not None:
        for member in [*strings(get(props, "member")), *strings(get(props, "members"))]:
            yield str(role), member
        return
    data = get(props, "policyData")
    try:
        policy = json.loads(data) if isinstance(data, str) else mapping(data)
    except ValueError:
        return
    for binding in items(mapping(policy).get("bindings")):
        for member in strings(get(binding, "members")):
            yield str(get(binding, "role", "")), member


def scope(resource_type: str) -> str:
    return SCOPE_OF.get(resource_type, "resource")
