"""Azure EncryptionKey: a Key Vault (RBAC, purge protection, soft delete, default-deny network)
with an RSA key that rotates by policy, and the user-assigned identity services use to wrap with it."""

from __future__ import annotations

import pulumi
import pulumi_azure_native as azure_native

from components.azure.authorization import (
    KEY_VAULT_CRYPTO_SERVICE_ENCRYPTION_USER,
    assign_role,
    builtin_role,
    client_config,
)
from components.context import PlatformContext, compact_name
from components.encryption_key import EncryptionKeyArgs
from components.target import CloudTarget


def rotation_policy(rotation_days: int) -> azure_native.keyvault.RotationPolicyArgs:
    """Rotate every `rotation_days`; each version expires after twice that."""
    return azure_native.keyvault.RotationPolicyArgs(
        attributes=azure_native.keyvault.KeyRotationPolicyAttributesArgs(
            expiry_time=f"P{2 * rotation_days}D"
        ),
        lifetime_actions=[
            azure_native.keyvault.LifetimeActionArgs(
                action=azure_native.keyvault.ActionArgs(
                    type=azure_native.keyvault.KeyRotationPolicyActionType.ROTATE
                ),
                trigger=azure_native.keyvault.TriggerArgs(time_after_create=f"P{rotation_days}D"),
            )
        ],
    )


class AzureEncryptionKey(pulumi.ComponentResource):
    key_id: pulumi.Output[str]
    key_name: pulumi.Output[str]
    vault_uri: pulumi.Output[str]
    vault_id: pulumi.Output[str]
    vault_name: pulumi.Output[str]
    # Storage and ACR wrap their data keys as this identity (it may only use the key, not manage it).
    user_identity_id: pulumi.Output[str]
    user_identity_client_id: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        args: EncryptionKeyArgs,
        target: CloudTarget,
        context: PlatformContext,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("mlfleet:azure:EncryptionKey", name, None, opts)
        stateful = target.opts(self, protect=args.protect, retain_on_delete=args.protect)
        vault = azure_native.keyvault.Vault(
            name,
            vault_name=compact_name(name, 24),
            resource_group_name=target.resource_group_name,
            location=target.region,
            properties=azure_native.keyvault.VaultPropertiesArgs(
                tenant_id=client_config(target).tenant_id,
                sku=azure_native.keyvault.SkuArgs(family="A", name=azure_native.keyvault.SkuName.STANDARD),
                enable_rbac_authorization=True,
                enable_purge_protection=True,
                enable_soft_delete=True,
                soft_delete_retention_in_days=args.deletion_window_days,
                public_network_access="Disabled",
                # Storage and ACR reach the vault as trusted Azure services.
                network_acls=azure_native.keyvault.NetworkRuleSetArgs(
                    default_action="Deny", bypass="AzureServices"
                ),
            ),
            tags=context.tags(),
            opts=stateful,
        )
        key = azure_native.keyvault.Key(
            name,
            key_name=name,
            vault_name=vault.name,
            resource_group_name=target.resource_group_name,
            properties=azure_native.keyvault.KeyPropertiesArgs(
                kty="RSA",
                key_size=3072,
                key_ops=["wrapKey", "unwrapKey"],
                # A new version well before the old one expires; services follow the versionless URI.
                rotation_policy=rotation_policy(args.rotation_days),
            ),
            tags=context.tags(),
            opts=stateful,
        )
        identity = azure_native.managedidentity.UserAssignedIdentity(
            f"{name}-user",
            resource_name_=f"{name}-user",
            resource_group_name=target.resource_group_name,
            location=target.region,
            tags=context.tags(),
            opts=target.opts(self),
        )
        self.key_use_grant = assign_role(
            f"{name}-user",
            identity.principal_id,
            builtin_role(target, KEY_VAULT_CRYPTO_SERVICE_ENCRYPTION_USER),
            vault.id,
            target,
            self,
        )
        self.key_id = key.key_uri
        self.key_name = key.name
        self.vault_uri = vault.properties.vault_uri
        self.vault_id = vault.id
        self.vault_name = vault.name
        self.user_identity_id = identity.id
        self.user_identity_client_id = identity.client_id
        self.register_outputs({"key_id": self.key_id, "vault_id": self.vault_id})
