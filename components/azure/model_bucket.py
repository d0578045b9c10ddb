"""Azure ModelBucket: a StorageV2 account (no public blobs, no shared keys, TLS 1.2, default-deny
firewall, CMK from Key Vault) with a private blob container, versioning + delete retention,
a lifecycle policy and diagnostic logs to a Log Analytics workspace.

Replication (`replication_region`): a second, identically hardened account in that location with its
own Key Vault key there, and an ObjectReplicationPolicy on both accounts (destination first, then the
source with the ids Azure assigned) copying the registry prefix; versioning on both, change feed on
the source, as object replication requires.

Azure has no "abort multipart" rule: uncommitted blocks are discarded by the service after 7 days.
"""

from __future__ import annotations

import pulumi
import pulumi_azure_native as azure_native

from components.azure.encryption_key import AzureEncryptionKey
from components.context import PlatformContext, compact_name
from components.encryption_key import EncryptionKeyArgs
from components.model_bucket import ModelBucketArgs, RegistryLocation
from components.target import CloudTarget

# Blob delete retention accepts 1..365 days.
MAX_RETENTION_DAYS = 365
LOG_CATEGORIES = ("StorageRead", "StorageWrite", "StorageDelete")


class AzureModelBucket(pulumi.ComponentResource):
    registry_url: pulumi.Output[str]
    registry_env: dict[str, pulumi.Output[str]]
    bucket_name: pulumi.Output[str]
    key_id: pulumi.Output[str]
    account_name: pulumi.Output[str]
    account_id: pulumi.Output[str]
    # The container's resource id: the scope workload role assignments are limited to.
    container_scope: pulumi.Output[str]
    prefix: str
    # Object replication makes the replica container read-only: it is no sync destination.
    replica: RegistryLocation | None
    replica_account_id: pulumi.Output[str] | None

    def __init__(
        self,
        name: str,
        args: ModelBucketArgs,
        target: CloudTarget,
        context: PlatformContext,
        key: AzureEncryptionKey,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("mlfleet:azure:ModelBucket", name, None, opts)
        self.prefix = args.prefix
        workspace = azure_native.operationalinsights.Workspace(
            f"{name}-logs",
            workspace_name=f"{name}-logs",
            resource_group_name=target.resource_group_name,
            location=target.region,
            sku=azure_native.operationalinsights.WorkspaceSkuArgs(name="PerGB2018"),
            retention_in_days=90,
            tags=context.tags(),
            opts=target.opts(self),
        )
        replicated = args.replication_region is not None
        # Object replication needs the change feed on the source account.
        account, container = self._account(
            name, args, target, context, key, workspace, replicated, args.sync_source_addresses
        )
        self.replica = None
        self.replica_account_id = None
        if args.replication_region is not None:
            self.replica_account_id = self._replicate(
                name, args, target, context, workspace, account, container
            )
        self.account_name = account.name
        self.account_id = account.id
        self.bucket_name = container.name
        self.container_scope = container.id
        self.key_id = key.key_id
        # The registry library reads the account from AZURE_STORAGE_ACCOUNT_NAME (az://container/prefix).
        self.registry_url = pulumi.Output.concat("az://", container.name, f"/{args.prefix}")
        # adlfs (apps/registry) needs the account: the az:// URL names only the container.
        self.registry_env = {"AZURE_STORAGE_ACCOUNT_NAME": account.name}
        self.register_outputs(
            {"registry_url": self.registry_url, "bucket_name": self.bucket_name, "key_id": self.key_id}
        )

    def _account(
        self,
        name: str,
        args: ModelBucketArgs,
        target: CloudTarget,
        context: PlatformContext,
        key: AzureEncryptionKey,
        workspace: azure_native.operationalinsights.Workspace,
        change_feed: bool,
        sync_sources: tuple[pulumi.Input[str], ...] = (),
    ) -> tuple[azure_native.storage.StorageAccount, azure_native.storage.BlobContainer]:
        """One hardened account + container (primary or replica): every property applies to both."""
        group = target.resource_group_name
        stateful = target.opts(self, protect=args.protect, retain_on_delete=args.protect)
        # Azure takes single addresses without a prefix (a /31 or /32 range is refused): IPRule
        # "IP or IP range in CIDR format. Only IPV4 address is allowed" (azure-native 3.29
        # storage/_inputs.py); no /31, /32 or RFC 1918 ranges (Azure Storage firewall limitations,
        # learn.microsoft.com/azure/storage/common/storage-network-security-limitations).
        # The sync writes the primary account only: the replica (object replication) gets no addresses.
        allowed: list[pulumi.Input[str]] = [*args.allowed_networks, *sync_sources]
        account = azure_native.storage.StorageAccount(
            name,
            account_name=compact_name(name, 24, alphanumeric=True),
            resource_group_name=group,
            location=target.region,
            kind="StorageV2",
            sku=azure_native.storage.SkuArgs(name="Standard_ZRS"),
            allow_blob_public_access=False,
            allow_shared_key_access=False,
            default_to_o_auth_authentication=True,
            minimum_tls_version="TLS1_2",
            enable_https_traffic_only=True,
            # Object replication stays inside the tenant (source/destination by full resource id).
            allow_cross_tenant_replication=False,
            # Stated Enabled for the registry sync's source addresses (unset, Azure governs the public
            # endpoint by the network rules alike; azure-native 3.29 StorageAccount
            # public_network_access: 'Enabled' | 'Disabled' | 'SecuredByPerimeter'); the default Deny
            # still refuses every address not listed.
            public_network_access=(
                azure_native.storage.PublicNetworkAccess.ENABLED if sync_sources else None
            ),
            network_rule_set=azure_native.storage.NetworkRuleSetArgs(
                default_action=azure_native.storage.DefaultAction.DENY,
                bypass="AzureServices",
                ip_rules=[
                    azure_native.storage.IPRuleArgs(
                        i_p_address_or_range=network, action=azure_native.storage.Action.ALLOW
                    )
                    for network in allowed
                ],
            ),
            identity=azure_native.storage.IdentityArgs(
                type="UserAssigned", user_assigned_identities=[key.user_identity_id]
            ),
            encryption=azure_native.storage.EncryptionArgs(
                key_source="Microsoft.Keyvault",
                key_vault_properties=azure_native.storage.KeyVaultPropertiesArgs(
                    key_name=key.key_name, key_vault_uri=key.vault_uri
                ),
                encryption_identity=azure_native.storage.EncryptionIdentityArgs(
                    encryption_user_assigned_identity=key.user_identity_id
                ),
                require_infrastructure_encryption=True,
            ),
            tags=context.tags(),
            # The identity must be allowed to use the key before the account can be created with it.
            opts=target.opts(
                self, protect=args.protect, retain_on_delete=args.protect, depends_on=[key.key_use_grant]
            ),
        )
        retention = azure_native.storage.DeleteRetentionPolicyArgs(
            enabled=True, days=min(args.noncurrent_version_days, MAX_RETENTION_DAYS)
        )
        azure_native.storage.BlobServiceProperties(
            name,
            account_name=account.name,
            resource_group_name=group,
            blob_services_name="default",
            is_versioning_enabled=True,
            change_feed=azure_native.storage.ChangeFeedArgs(enabled=True) if change_feed else None,
            delete_retention_policy=retention,
            container_delete_retention_policy=retention,
            opts=target.opts(self),
        )
        container = azure_native.storage.BlobContainer(
            name,
            container_name=name,
            account_name=account.name,
            resource_group_name=group,
            public_access=azure_native.storage.PublicAccess.NONE,
            opts=stateful,
        )
        self._lifecycle(name, args, account, target)
        self._diagnostics(name, account, workspace, target)
        return account, container

    def _replicate(
        self,
        name: str,
        args: ModelBucketArgs,
        target: CloudTarget,
        context: PlatformContext,
        workspace: azure_native.operationalinsights.Workspace,
        source: azure_native.storage.StorageAccount,
        source_container: azure_native.storage.BlobContainer,
    ) -> pulumi.Output[str]:
        """A replica account in the second location, with its own key there, and object replication."""
        region = str(args.replication_region)
        replica_name = f"{name}-{region}"
        replica_target = CloudTarget(
            cloud="azure",
            region=region,
            provider=target.provider,
            resource_group_name=target.resource_group_name,
        )
        # The replica must stay readable when the primary region (and its Key Vault) is down.
        replica_key = AzureEncryptionKey(
            f"{replica_name}-key",
            EncryptionKeyArgs(protect=args.protect),
            replica_target,
            context,
            opts=pulumi.ResourceOptions(parent=self),
        )
        replica, replica_container = self._account(
            replica_name, args, replica_target, context, replica_key, workspace, change_feed=False
        )
        rule_filter = azure_native.storage.ObjectReplicationPolicyFilterArgs(prefix_match=[f"{args.prefix}/"])
        # The destination account's policy comes first; Azure assigns the policy and rule ids the
        # source account's policy must repeat.
        destination_policy = azure_native.storage.ObjectReplicationPolicy(
            f"{replica_name}-replication",
            account_name=replica.name,
            resource_group_name=target.resource_group_name,
            object_replication_policy_id="default",
            source_account=source.id,
            destination_account=replica.id,
            rules=[
                azure_native.storage.ObjectReplicationPolicyRuleArgs(
                    source_container=source_container.name,
                    destination_container=replica_container.name,
                    filters=rule_filter,
                )
            ],
            opts=target.opts(self),
        )
        azure_native.storage.ObjectReplicationPolicy(
            f"{name}-replication",
            account_name=source.name,
            resource_group_name=target.resource_group_name,
            object_replication_policy_id=destination_policy.policy_id,
            source_account=source.id,
            destination_account=replica.id,
            rules=[
                azure_native.storage.ObjectReplicationPolicyRuleArgs(
                    rule_id=destination_policy.rules.apply(lambda rules: (rules or [])[0].rule_id),
                    source_container=source_container.name,
                    destination_container=replica_container.name,
                    filters=rule_filter,
                )
            ],
            opts=target.opts(self),
        )
        return replica.id

    def _lifecycle(
        self,
        name: str,
        args: ModelBucketArgs,
        account: azure_native.storage.StorageAccount,
        target: CloudTarget,
    ) -> None:
        """Delete noncurrent blob versions N days after they were superseded."""
        rule = azure_native.storage.ManagementPolicyRuleArgs(
            name="expire-noncurrent-versions",
            type="Lifecycle",
            enabled=True,
            definition=azure_native.storage.ManagementPolicyDefinitionArgs(
                filters=azure_native.storage.ManagementPolicyFilterArgs(blob_types=["blockBlob"]),
                actions=azure_native.storage.ManagementPolicyActionArgs(
                    version=azure_native.storage.ManagementPolicyVersionArgs(
                        delete=azure_native.storage.DateAfterCreationArgs(
                            days_after_creation_greater_than=args.noncurrent_version_days
                        )
                    )
                ),
            ),
        )
        azure_native.storage.ManagementPolicy(
            name,
            account_name=account.name,
            resource_group_name=target.resource_group_name,
            management_policy_name="default",
            policy=azure_native.storage.ManagementPolicySchemaArgs(rules=[rule]),
            opts=target.opts(self),
        )

    def _diagnostics(
        self,
        name: str,
        account: azure_native.storage.StorageAccount,
        workspace: azure_native.operationalinsights.Workspace,
        target: CloudTarget,
    ) -> None:
        """Blob read/write/delete logs (who touched which model) into the Log Analytics workspace."""
        azure_native.monitor.DiagnosticSetting(
            f"{name}-blob-logs",
            name=f"{name}-blob-logs",
            resource_uri=account.id.apply(lambda account_id: f"{account_id}/blobServices/default"),
            workspace_id=workspace.id,
            logs=[
                azure_native.monitor.DiagnosticsLogSettingsArgs(category=c, enabled=True)
                for c in LOG_CATEGORIES
            ],
            opts=target.opts(self),
        )
