"""Azure SigningKey: an EC P-256 key (sign/verify) in the bucket key's vault, rotating by policy, and
two custom roles assigned on that key only: keys/read + keys/sign/action for signers, keys/read for
verifiers. The built-in Key Vault Crypto User would also grant encrypt/decrypt/wrap/unwrap and
update/backup, which no workload here needs (data actions: Key Vault REST "sign" requires keys/sign,
"get key" keys/read; Microsoft.KeyVault/vaults/keys/{read,sign/action} in Azure's RBAC data actions).

Workloads get the versionless URI: the signer signs with the current version and verifiers trust
every enabled version, so a rotation needs no redeploy (mlfleet_registry.kms).
"""

from __future__ import annotations

import pulumi
import pulumi_azure_native as azure_native

from components.azure.authorization import assign_role, deterministic_guid, resource_group_id
from components.azure.encryption_key import AzureEncryptionKey, rotation_policy
from components.context import PlatformContext
from components.identities import Identities
from components.signing_key import SIGNERS, SigningKeyArgs
from components.target import CloudTarget

READ_KEY = "Microsoft.KeyVault/vaults/keys/read"
SIGN_WITH_KEY = "Microsoft.KeyVault/vaults/keys/sign/action"


class AzureSigningKey(pulumi.ComponentResource):
    key_uri: pulumi.Output[str]
    key_id: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        args: SigningKeyArgs,
        target: CloudTarget,
        context: PlatformContext,
        encryption_key: AzureEncryptionKey,
        identities: Identities,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("mlfleet:azure:SigningKey", name, None, opts)
        key = azure_native.keyvault.Key(
            name,
            key_name=name,
            vault_name=encryption_key.vault_name,
            resource_group_name=target.resource_group_name,
            properties=azure_native.keyvault.KeyPropertiesArgs(
                kty="EC",
                curve_name="P-256",
                key_ops=["sign", "verify"],
                # Old versions stay readable after they expire, so their signatures still verify.
                rotation_policy=rotation_policy(args.rotation_days),
            ),
            tags=context.tags(),
            opts=target.opts(self, protect=args.protect, retain_on_delete=args.protect),
        )
        group_id = resource_group_id(target)
        roles = {
            "signer": self._role(f"{name}-signer", [READ_KEY, SIGN_WITH_KEY], group_id, target),
            "verifier": self._role(f"{name}-verifier", [READ_KEY], group_id, target),
        }
        for workload, identity in identities.workloads.items():
            assert identity.object_id is not None  # AzureIdentities sets it
            role = roles["signer" if workload in SIGNERS else "verifier"]
            assign_role(f"{name}-{workload}", identity.object_id, role.id, key.id, target, self)
        if identities.release is not None:  # model-release.yml's alias moves
            assert identities.release.object_id is not None  # AzureIdentities sets it
            assign_role(
                f"{name}-release", identities.release.object_id, roles["signer"].id, key.id, target, self
            )
        self.key_id = key.id
        # https://<vault>.vault.azure.net/keys/<name> -> azurekms://<vault>.vault.azure.net/<name>
        self.key_uri = key.key_uri.apply(
            lambda uri: "azurekms://" + uri.removeprefix("https://").replace("/keys/", "/", 1)
        )
        self.register_outputs({"key_uri": self.key_uri, "key_id": self.key_id})

    def _role(
        self, name: str, data_actions: list[str], group_id: pulumi.Output[str], target: CloudTarget
    ) -> azure_native.authorization.RoleDefinition:
        return azure_native.authorization.RoleDefinition(
            name,
            role_definition_id=deterministic_guid(f"{name}-role"),
            role_name=name,
            description=f"mlfleet registry {name.rsplit('-', 1)[-1]}: {', '.join(data_actions)}",
            role_type="CustomRole",
            scope=group_id,
            assignable_scopes=[group_id],
            permissions=[azure_native.authorization.PermissionArgs(data_actions=data_actions)],
            opts=target.opts(self),
        )
