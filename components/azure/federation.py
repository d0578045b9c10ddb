"""Azure destination of a cross-cloud registry sync: a user-assigned managed identity with a federated
identity credential trusting the primary cell's cluster issuer (EKS/GKE) for exactly
`system:serviceaccount:<ns>:registry-sync`, audience api://AzureADTokenExchange, and Storage Blob Data
Contributor on the registry container only. The pod's azure-identity WorkloadIdentityCredential (in
DefaultAzureCredential, which adlfs uses) reads AZURE_CLIENT_ID, AZURE_TENANT_ID and
AZURE_FEDERATED_TOKEN_FILE (azure-identity 1.27.0 azure/identity/_constants.py EnvironmentVariables).
"""

from __future__ import annotations

import pulumi

from components.azure.authorization import STORAGE_BLOB_DATA_CONTRIBUTOR, assign_role, builtin_role
from components.azure.identities import TOKEN_EXCHANGE_AUDIENCE, federate, managed_identity
from components.azure.model_bucket import AzureModelBucket
from components.context import PlatformContext
from components.registry_sync import RegistrySyncWriterArgs, SyncCredentials, subject, token_path
from components.target import CloudTarget


class AzureRegistrySyncWriter(pulumi.ComponentResource):
    principal: pulumi.Output[str]
    credentials: SyncCredentials

    def __init__(
        self,
        name: str,
        args: RegistrySyncWriterArgs,
        target: CloudTarget,
        context: PlatformContext,
        bucket: AzureModelBucket,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("mlfleet:azure:RegistrySyncWriter", name, None, opts)
        identity = managed_identity(name, target, context, self)
        federate(name, identity, args.source_issuer, subject(args.namespace), target, self)
        # Write the registry container only (never the account, group or subscription).
        writer = builtin_role(target, STORAGE_BLOB_DATA_CONTRIBUTOR)
        assign_role(name, identity.principal_id, writer, bucket.container_scope, target, self)
        self.principal = identity.client_id
        self.credentials = SyncCredentials(
            audience=TOKEN_EXCHANGE_AUDIENCE,
            env={
                "AZURE_CLIENT_ID": identity.client_id,
                "AZURE_TENANT_ID": identity.tenant_id,
                "AZURE_FEDERATED_TOKEN_FILE": token_path(),
                # An az://container/prefix URL does not name the account (mlfleet_registry.store).
                **bucket.registry_env,
            },
        )
        self.register_outputs({"principal": self.principal})
