"""The storage and identity section of the topology: keys, model bucket, container registry, identities."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pulumi
from mlfleet_registry.signing import VERIFY_KEYS_ENV

from components.container_registry import ContainerRegistry, ContainerRegistryArgs, container_registry
from components.context import PlatformContext
from components.encryption_key import EncryptionKey, EncryptionKeyArgs, encryption_key
from components.identities import GithubDeployer, Identities, IdentitiesArgs, identities
from components.model_bucket import ModelBucket, ModelBucketArgs, RegistryLocation, model_bucket
from components.signing_key import SigningKey, SigningKeyArgs, signing_env, signing_key
from components.target import CloudTarget
from components.topology.config import PlatformConfig
from components.topology.providers import Providers, replica_provider_alias


@dataclass(frozen=True)
class StorageLayer:
    """What later sections consume (e.g. `identities.workloads["serving"].annotations`)."""

    key: EncryptionKey
    bucket: ModelBucket
    registry: ContainerRegistry
    identities: Identities
    signing: SigningKey
    # Other public keys this cell's readers trust besides its own (multi-cell stacks: the primary
    # cell's, inline PEM, whose versions the registry sync copies here as signed).
    trusted_keys: tuple[pulumi.Input[str], ...] = field(default_factory=tuple)

    def workload_env(self, workload: str) -> dict[str, pulumi.Input[str]]:
        """What `workload`'s registry library needs besides the URL: the bucket's (Azure: the storage
        account) and the signing key's (MLFLEET_SIGNING_KEY / MLFLEET_VERIFY_KEYS)."""
        env = {**self.bucket.registry_env, **signing_env(self.signing, workload)}
        if self.trusted_keys and VERIFY_KEYS_ENV in env:
            keys = pulumi.Output.all(env[VERIFY_KEYS_ENV], *self.trusted_keys)
            env[VERIFY_KEYS_ENV] = keys.apply(lambda values: ",".join(str(v) for v in values if v))
        return env

    def exports(self) -> dict[str, Any]:
        return {
            "modelRegistryUrl": self.bucket.registry_url,
            "modelBucketName": self.bucket.bucket_name,
            "keyId": self.key.key_id,
            # MLFLEET_VERIFY_KEYS for anyone reading the registry (mlfleet models verify).
            "signingKeyUri": self.signing.key_uri,
            "repositoryUrls": self.registry.repository_urls,
            "workloadIdentities": {w: i.principal for w, i in self.identities.workloads.items()},
            "deployerIdentity": self.identities.deployer,
        }


def build_storage_layer(
    config: PlatformConfig,
    context: PlatformContext,
    target: CloudTarget,
    providers: Providers | None = None,
    sync_sources: tuple[pulumi.Input[str], ...] = (),
) -> StorageLayer:
    """`sync_sources`: public addresses the registry sync writes this cell's registry from (Azure's
    storage firewall lists them; components/topology/registry_sync.sync_source_addresses)."""
    protect = config.deletion_protection or context.is_production
    key = encryption_key(context.name("key"), EncryptionKeyArgs(protect=protect), target, context)
    bucket_config = config.model_bucket
    bucket_name = context.name("models")
    replica_target = None
    if target.cloud == "aws" and bucket_config.replication_region:
        # S3 replicates into a bucket created in the replica's region, on that region's provider.
        region = bucket_config.replication_region
        moved_from = () if context.cell else (replica_provider_alias(context, bucket_name, region),)
        replica_target = (providers or Providers(context)).target("aws", region, aliases=moved_from)
    bucket = model_bucket(
        bucket_name,
        ModelBucketArgs(
            noncurrent_version_days=bucket_config.noncurrent_version_days,
            abort_multipart_days=bucket_config.abort_multipart_days,
            replication_region=bucket_config.replication_region,
            allowed_networks=tuple(bucket_config.allowed_networks),
            sync_source_addresses=sync_sources,
            protect=protect,
        ),
        target,
        context,
        key,
        replica_target=replica_target,
    )
    registry = container_registry(
        context.name("images"), ContainerRegistryArgs(protect=protect), target, context, key
    )
    github = config.github
    deployer = (
        GithubDeployer(github.repository, github.branch, github.environment) if github.repository else None
    )
    workload_identities = identities(
        context.name("id"),
        IdentitiesArgs(github=deployer, sync_destinations=sync_destinations(config, bucket, target)),
        target,
        context,
        bucket,
    )
    signing = signing_key(
        context.name("signing"), SigningKeyArgs(protect=protect), target, context, key, workload_identities
    )
    return StorageLayer(key, bucket, registry, workload_identities, signing)


def sync_destinations(
    config: PlatformConfig, bucket: ModelBucket, target: CloudTarget
) -> tuple[RegistryLocation, ...]:
    """Where registry-sync writes: the replica bucket (AWS replication) and the configured registries."""
    configured = tuple(
        RegistryLocation(target.cloud, d.bucket, d.prefix, d.key)
        for d in config.model_bucket.sync_destinations
    )
    return ((bucket.replica,) if bucket.replica is not None else ()) + configured
