"""Azure Identities: one user-assigned managed identity per workload, federated with the cluster's
OIDC issuer for Azure Workload Identity, data roles scoped to the registry container, and a GitHub
Actions deployer identity.

Why a managed identity for the deployer: azure-native has no Entra ID app registration resource
(that lives in the separate azuread provider). A user-assigned managed identity accepts federated
credentials too, so GitHub's OIDC token (`azure/login` with client-id) is exchanged without any
secret, and the identity lives and dies with the stack's resource group.
"""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_azure_native as azure_native

from components import deployer_types
from components.azure import deployer_permissions
from components.azure.authorization import (
    STORAGE_BLOB_DATA_CONTRIBUTOR,
    STORAGE_BLOB_DATA_READER,
    assign_role,
    builtin_role,
    deterministic_guid,
    resource_group_id,
)
from components.azure.model_bucket import AzureModelBucket
from components.context import PlatformContext
from components.identities import (
    ALIAS_WRITER,
    GITHUB_ISSUER,
    IdentitiesArgs,
    ReleaseIdentity,
    WorkloadIdentity,
)
from components.target import CloudTarget

CLIENT_ID_ANNOTATION = "azure.workload.identity/client-id"
# The webhook mutates only pods carrying this label (required on the pod template, not the
# ServiceAccount): https://azure.github.io/azure-workload-identity/docs/topics/service-account-labels-and-annotations.html
USE_LABEL = "azure.workload.identity/use"
TOKEN_EXCHANGE_AUDIENCE = "api://AzureADTokenExchange"
# The deployer's and drift reader's roles cover the Azure and Kubernetes types the stack registers.
TYPES = ("azure-native:", "kubernetes:")


def managed_identity(
    name: str, target: CloudTarget, context: PlatformContext, parent: pulumi.Resource
) -> azure_native.managedidentity.UserAssignedIdentity:
    """A user-assigned managed identity in the stack's group (workloads, CI identities, add-ons)."""
    return azure_native.managedidentity.UserAssignedIdentity(
        name,
        resource_name_=name,
        resource_group_name=target.resource_group_name,
        location=target.region,
        tags=context.tags(),
        opts=target.opts(parent),
    )


def federate(
    name: str,
    identity: azure_native.managedidentity.UserAssignedIdentity,
    issuer: pulumi.Input[str],
    subject: str,
    target: CloudTarget,
    parent: pulumi.Resource,
) -> azure_native.managedidentity.FederatedIdentityCredential:
    """Trust tokens for exactly one subject from exactly one OIDC issuer."""
    return azure_native.managedidentity.FederatedIdentityCredential(
        name,
        federated_identity_credential_resource_name=name,
        resource_name_=identity.name,
        resource_group_name=target.resource_group_name,
        issuer=issuer,
        subject=subject,
        audiences=[TOKEN_EXCHANGE_AUDIENCE],
        opts=target.opts(parent),
    )


def registry_role(
    workload: str, reader: pulumi.Output[str], writer: pulumi.Output[str]
) -> pulumi.Output[str]:
    """The data role `workload` holds on the registry container: the trainer writes, others read."""
    return writer if workload == "trainer" else reader


class AzureIdentities(pulumi.ComponentResource):
    workloads: dict[str, WorkloadIdentity]
    deployer: pulumi.Output[str] | None
    drift_reader: pulumi.Output[str] | None
    release: ReleaseIdentity | None

    def __init__(
        self,
        name: str,
        args: IdentitiesArgs,
        target: CloudTarget,
        context: PlatformContext,
        bucket: AzureModelBucket,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("mlfleet:azure:Identities", name, None, opts)
        destinations = args.sync_destinations
        reader = builtin_role(target, STORAGE_BLOB_DATA_READER)
        writer = builtin_role(target, STORAGE_BLOB_DATA_CONTRIBUTOR)
        self.workloads = {}
        for workload in ("trainer", "serving", "registry-sync"):
            identity = managed_identity(f"{name}-{workload}", target, context, self)
            if args.oidc_issuer_url is not None:
                federate(
                    f"{name}-{workload}",
                    identity,
                    args.oidc_issuer_url,
                    f"system:serviceaccount:{args.namespace}:{workload}",
                    target,
                    self,
                )
            # Data roles on the registry container only (never the account, group or subscription).
            grants: list[tuple[pulumi.Input[str], pulumi.Output[str]]] = [
                (bucket.container_scope, registry_role(workload, reader, writer))
            ]
            if workload == "registry-sync":
                # A destination is a container resource id: write there, nowhere else.
                grants += [(d.bucket, writer) for d in destinations]
            for index, (scope, role) in enumerate(grants):
                assign_role(f"{name}-{workload}-{index}", identity.principal_id, role, scope, target, self)
            self.workloads[workload] = WorkloadIdentity(
                workload,
                args.namespace,
                identity.client_id,
                {CLIENT_ID_ANNOTATION: identity.client_id},
                identity.name,
                pod_labels={USE_LABEL: "true"},
                object_id=identity.principal_id,
            )
        self.deployer = self.drift_reader = self.release = None
        if args.github is not None:
            deployer = self._github_identity(
                f"{name}-deployer",
                args.github.subject,
                azure_native.authorization.PermissionArgs(
                    actions=deployer_types.derived(deployer_permissions.actions, *TYPES),
                    data_actions=deployer_types.derived(deployer_permissions.data_actions, *TYPES),
                ),
                target,
                context,
            )
            self.deployer = deployer.client_id
            # model-release.yml's alias moves: the alias writer's data role on the registry container
            # (no key grant: the account's CMK is used through its CMK identity, model_bucket.py).
            assign_role(
                f"{name}-deployer-registry",
                deployer.principal_id,
                registry_role(ALIAS_WRITER, reader, writer),
                bucket.container_scope,
                target,
                self,
            )
            self.release = ReleaseIdentity(deployer.client_id, deployer.principal_id)
            # The drift workflow's read-only identity: the reads of the same table.
            self.drift_reader = self._github_identity(
                f"{name}-drift",
                args.github.drift_subject,
                azure_native.authorization.PermissionArgs(
                    actions=deployer_types.derived(lambda t: deployer_permissions.actions(t, True), *TYPES),
                    data_actions=deployer_types.derived(
                        lambda t: deployer_permissions.data_actions(t, True), *TYPES
                    ),
                ),
                target,
                context,
            ).client_id
        outputs: dict[str, Any] = {w: i.principal for w, i in self.workloads.items()}
        self.register_outputs(
            {"workloads": outputs, "deployer": self.deployer, "driftReader": self.drift_reader}
        )

    def _github_identity(
        self,
        name: str,
        subject: str,
        permissions: azure_native.authorization.PermissionArgs,
        target: CloudTarget,
        context: PlatformContext,
    ) -> azure_native.managedidentity.UserAssignedIdentity:
        """A managed identity only the GitHub OIDC subject `subject` federates to, with a custom role of
        `permissions` (generated from components/azure/deployer_permissions.py) on the stack's group."""
        identity = managed_identity(name, target, context, self)
        federate(f"{name}-github", identity, GITHUB_ISSUER, subject, target, self)
        group_id = resource_group_id(target)
        role = azure_native.authorization.RoleDefinition(
            name,
            role_definition_id=deterministic_guid(f"{name}-role"),
            role_name=name,
            description=f"mlfleet GitHub Actions identity for {subject} ({context.prefix})",
            role_type="CustomRole",
            scope=group_id,
            assignable_scopes=[group_id],
            permissions=[permissions],
            opts=target.opts(self),
        )
        assign_role(name, identity.principal_id, role.id, group_id, target, self)
        return identity
