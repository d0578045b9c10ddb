"""Azure ContainerRegistry: ACR Premium, no admin user, no anonymous pull, public network access
disabled (the cluster VNet reaches it over a private endpoint: components/azure/private_endpoints.py),
CMK encryption through the key's user-assigned identity, untagged manifests retained
for N days only.

ACR has no registry-wide immutable-tag switch or built-in scan on push: tags are locked per
repository at push time (`az acr repository update --write-enabled false`, done by CI) and image
scanning is Microsoft Defender for Containers, a subscription-level plan outside this stack.
"""

from __future__ import annotations

import pulumi
import pulumi_azure_native as azure_native

from components.azure.encryption_key import AzureEncryptionKey
from components.container_registry import ContainerRegistryArgs
from components.context import PlatformContext, compact_name
from components.target import CloudTarget


class AzureContainerRegistry(pulumi.ComponentResource):
    repository_urls: dict[str, pulumi.Output[str]]
    # The registry's resource id: the cluster VNet's private endpoint connects to it.
    registry_id: pulumi.Output[str]
    registry_name: pulumi.Output[str]
    # The ACR Tasks agent pool `mlfleet images push` builds on (set by components/azure/acr_agent_pool.py
    # once the cluster VNet exists): nothing outside the VNet can push to this registry.
    push_agent_pool: pulumi.Output[str] | None = None

    def __init__(
        self,
        name: str,
        args: ContainerRegistryArgs,
        target: CloudTarget,
        context: PlatformContext,
        key: AzureEncryptionKey,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("mlfleet:azure:ContainerRegistry", name, None, opts)
        registry = azure_native.containerregistry.Registry(
            name,
            registry_name=compact_name(name, 50, alphanumeric=True),
            resource_group_name=target.resource_group_name,
            location=target.region,
            sku=azure_native.containerregistry.SkuArgs(name="Premium"),
            admin_user_enabled=False,
            anonymous_pull_enabled=False,
            public_network_access="Disabled",
            network_rule_bypass_options="AzureServices",
            identity=azure_native.containerregistry.IdentityPropertiesArgs(
                # ACR keys this map by identity resource id, which is only known as an Output.
                type=azure_native.containerregistry.ResourceIdentityType.USER_ASSIGNED,
                user_assigned_identities=key.user_identity_id.apply(
                    lambda identity_id: {
                        identity_id: azure_native.containerregistry.UserIdentityPropertiesArgs()
                    }
                ),
            ),
            encryption=azure_native.containerregistry.EncryptionPropertyArgs(
                status="enabled",
                key_vault_properties=azure_native.containerregistry.KeyVaultPropertiesArgs(
                    key_identifier=key.key_id, identity=key.user_identity_client_id
                ),
            ),
            policies=azure_native.containerregistry.PoliciesArgs(
                retention_policy=azure_native.containerregistry.RetentionPolicyArgs(
                    status="enabled", days=args.untagged_expiry_days
                ),
            ),
            tags=context.tags(),
            opts=target.opts(
                self, protect=args.protect, retain_on_delete=args.protect, depends_on=[key.key_use_grant]
            ),
        )
        self.repository_urls = {
            image: pulumi.Output.concat(registry.login_server, "/", image) for image in args.images
        }
        self.registry_id = registry.id
        self.registry_name = registry.name
        self.register_outputs({"repository_urls": self.repository_urls, "registry_id": self.registry_id})
