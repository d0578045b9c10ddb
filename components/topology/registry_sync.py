"""Registry sync across clouds (global layer, issue 13): every non-primary cell's registry receives the
primary's versions. The primary cell's cluster runs one sync CronJob per destination; each destination
cell's cloud gets an identity trusting the primary cluster's OIDC issuer for the sync pods' service
account (components/registry_sync.py). Inside one cloud, native replication (mlfleet:modelBucket).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import pulumi

from components.context import PlatformContext
from components.errors import ConfigError
from components.registry_sync import (
    RegistrySyncArgs,
    RegistrySyncWriterArgs,
    SyncDestination,
    registry_sync,
    sync_writer,
)
from components.signing_public_key import public_key_pem
from components.target import CloudTarget
from components.topology.cells import Cell
from components.topology.config import PlatformConfig
from components.topology.providers import Providers
from components.topology.storage_identity import StorageLayer


@dataclass(frozen=True)
class CellParts:
    """What the global layer needs from a built cell (filled by the compute section)."""

    storage: StorageLayer | None
    cluster: Any  # the TrainingCluster: oidc_issuer (+ oidc_provider_arn on AWS)
    provider: Any  # the cluster's Kubernetes provider
    trainer_image: pulumi.Input[str] | None  # None in cells that do not train (only the primary does)
    namespace: str
    labels: dict[str, str]
    # Workloads go in after the cluster's namespaces exist.
    opts: pulumi.ResourceOptions


def build_registry_sync(
    config: PlatformConfig,
    context: PlatformContext,
    cells: list[Cell],
    providers: Providers,
    parts: dict[str, CellParts],
) -> dict[str, Any]:
    """`registrySyncJobs` ({destination cell: CronJob name}) and `registrySyncWriters` ({cell: principal})."""
    primary = next(c for c in cells if c.role == "primary")
    others = [c for c in cells if c.role != "primary"]
    source = parts[primary.name]
    if not others or source.storage is None:
        return {}
    for index, configured in enumerate(config.cells):
        if configured.name != primary.name and configured.cloud == primary.cloud == "azure":
            raise ConfigError(
                context.stack_file,
                f"mlfleet:cells[{index}].cloud",
                "is azure, the primary's cloud: the registry library reads one storage account per "
                "process, so one sync pod cannot write another Azure cell's registry",
                "put the cell on another cloud, or replicate the Azure registry with object replication "
                "(mlfleet:modelBucket.replicationRegion)",
            )
    issuer = source.cluster.oidc_issuer
    identity = source.storage.identities.workloads["registry-sync"]
    destinations: dict[str, SyncDestination] = {}
    writers: dict[str, pulumi.Output[str]] = {}
    for cell in others:
        storage = parts[cell.name].storage
        assert storage is not None  # every cloud cell has storage
        target = providers.target(cell.cloud, cell.region, cell.gcp_project)
        cell_context = dataclasses.replace(context, cell=cell.name)
        writer = sync_writer(
            cell_context.name("sync-writer"),
            RegistrySyncWriterArgs(
                source_issuer=issuer,
                source_cloud=primary.cloud,
                namespace=source.namespace,
                # On the primary's cloud the pod's own identity writes there (no federation).
                source_principal=identity.principal,
            ),
            target,
            cell_context,
            storage.bucket,
        )
        destinations[cell.name] = SyncDestination(storage.bucket.registry_url, writer.credentials)
        writers[cell.name] = writer.principal
    assert source.trainer_image is not None  # the primary trains (build_compute_layer)
    sync = registry_sync(
        dataclasses.replace(context, cell=primary.name).name("registry-sync"),
        RegistrySyncArgs(
            image=source.trainer_image,
            source_url=source.storage.bucket.registry_url,
            destinations=destinations,
            namespace=source.namespace,
            source_env=source.storage.workload_env("registry-sync"),
            service_account_annotations=dict(identity.annotations),
            pod_labels=dict(identity.pod_labels),
        ),
        source.provider,
        source.labels,
        source.opts,
    )
    return {"registrySyncJobs": sync.job_names, "registrySyncWriters": writers}


def sync_source_addresses(
    config: PlatformConfig, context: PlatformContext, cells: list[Cell], parts: dict[str, CellParts]
) -> tuple[pulumi.Input[str], ...]:
    """The public addresses the sync pods leave the primary cell from, for the destination registries
    that admit listed addresses only (Azure: the storage firewall denies by default, and its private
    endpoint is reachable from the cell's own VNet only). () when no destination needs them.

    Only an AWS primary has addresses known at deploy time (its NAT gateway's Elastic IP); a GCP
    primary has no reserved egress address, so an Azure destination is refused here, at preview."""
    primary = next(c for c in cells if c.role == "primary")
    source = parts.get(primary.name)
    firewalled = [
        (index, c) for index, c in enumerate(config.cells) if c.name != primary.name and c.cloud == "azure"
    ]
    if not firewalled or source is None or source.storage is None:
        return ()
    if primary.cloud == "aws":
        return tuple(source.cluster.egress_addresses)
    if primary.cloud == "azure":
        return ()  # two Azure cells are refused by build_registry_sync (one storage account per process)
    index, cell = firewalled[0]
    raise ConfigError(
        context.stack_file,
        f"mlfleet:cells[{index}].cloud",
        f"is azure, but the primary cell ({primary.name}) is on {primary.cloud}: the Azure registry's "
        "storage firewall admits the sync only from fixed public addresses, and that cell has no "
        "reserved egress address",
        f"make an aws cell the primary (its NAT gateway's Elastic IP is admitted), or put {cell.name} "
        "on aws or gcp",
    )


def primary_signing_keys(primary: CellParts | None, target: CloudTarget) -> tuple[pulumi.Output[str], ...]:
    """The primary cell's public signing key (PEM from its KMS) for the other cells' verify keys; ()
    when it has none to give (Azure: a Key Vault key's material is not exposed; a warning says so)."""
    if primary is None or primary.storage is None:
        return ()
    pem = public_key_pem(primary.storage.signing, target)
    if pem is None:
        pulumi.log.warn(
            f"the primary cell's {target.cloud} signing key cannot be handed to the other cells "
            "(no public key from its KMS): their pods refuse the versions the registry sync copies"
        )
        return ()
    return (pem,)
