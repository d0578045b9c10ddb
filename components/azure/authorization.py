"""Azure RBAC helpers: the caller's subscription/tenant, built-in role ids and deterministic
role assignments (assignment names must be GUIDs; we derive them, never draw them at random)."""

from __future__ import annotations

import uuid

import pulumi
import pulumi_azure_native as azure_native

from components.target import CloudTarget

# Built-in role definition GUIDs (identical in every tenant).
KEY_VAULT_CRYPTO_SERVICE_ENCRYPTION_USER = "e147488a-f6f5-4113-8e2d-b22465e65bf6"
STORAGE_BLOB_DATA_READER = "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1"
STORAGE_BLOB_DATA_CONTRIBUTOR = "ba92f5b4-2d11-453d-a403-e96b0029c9fe"
_NAMESPACE = uuid.UUID("6f0c8a63-7d0e-4c52-9a57-3f1a1b0ff1e1")


def deterministic_guid(name: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, name))


def client_config(target: CloudTarget) -> pulumi.Output[azure_native.authorization.GetClientConfigResult]:
    return azure_native.authorization.get_client_config_output(
        opts=pulumi.InvokeOutputOptions(provider=target.provider)
    )


def resource_group_id(target: CloudTarget) -> pulumi.Output[str]:
    return pulumi.Output.all(client_config(target).subscription_id, target.resource_group_name).apply(
        lambda parts: f"/subscriptions/{parts[0]}/resourceGroups/{parts[1]}"
    )


def builtin_role(target: CloudTarget, role_guid: str) -> pulumi.Output[str]:
    return client_config(target).subscription_id.apply(
        lambda sub: f"/subscriptions/{sub}/providers/Microsoft.Authorization/roleDefinitions/{role_guid}"
    )


def assign_role(
    name: str,
    principal_id: pulumi.Input[str],
    role_definition_id: pulumi.Input[str],
    scope: pulumi.Input[str],
    target: CloudTarget,
    parent: pulumi.Resource,
    depends_on: list[pulumi.Resource] | None = None,
) -> azure_native.authorization.RoleAssignment:
    """Grant a managed identity one role on one resource scope (never a subscription)."""
    return azure_native.authorization.RoleAssignment(
        name,
        role_assignment_name=deterministic_guid(name),
        principal_id=principal_id,
        principal_type="ServicePrincipal",
        role_definition_id=role_definition_id,
        scope=scope,
        opts=target.opts(parent, depends_on=depends_on or []),
    )
