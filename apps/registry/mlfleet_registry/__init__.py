"""mlfleet model registry on object storage (local dir, S3, GCS, Azure Blob). No Pulumi dependency.

reg = open_registry("s3://bucket/prefix")
reg.publish(...); reg.set_alias("demo", "production", "v0002", expected="v0001", actor=..., reason=...)
"""

from __future__ import annotations

import os

from mlfleet_registry.canary import rollback_canary
from mlfleet_registry.errors import (
    AliasConflict,
    IntegrityError,
    InvalidName,
    NotFound,
    RegistryError,
    StoreUnavailable,
    VersionDeleted,
    VersionExists,
)
from mlfleet_registry.manifest import FeatureSpec, Manifest
from mlfleet_registry.registry import ANY, LoadedModel, Registry
from mlfleet_registry.signing import ObjectSigner, Signer, Verifier, signer_from_env, verifier_from_env
from mlfleet_registry.store import ObjectStore
from mlfleet_registry.sync import SyncReport, sync_registries

DEFAULT_REGISTRY = ".mlfleet/registry"
REGISTRY_ENV = "MLFLEET_REGISTRY"


def open_registry(url: str | None = None) -> Registry:
    """`url`, else $MLFLEET_REGISTRY, else DEFAULT_REGISTRY (relative to the working directory); signing
    and verify keys from $MLFLEET_SIGNING_KEY / $MLFLEET_VERIFY_KEYS (mlfleet_registry.signing)."""
    store = ObjectStore(url or os.environ.get(REGISTRY_ENV) or DEFAULT_REGISTRY)
    return Registry(store, signer=signer_from_env(), verifier=verifier_from_env())


__all__ = [
    "ANY",
    "DEFAULT_REGISTRY",
    "REGISTRY_ENV",
    "AliasConflict",
    "FeatureSpec",
    "IntegrityError",
    "InvalidName",
    "LoadedModel",
    "Manifest",
    "NotFound",
    "ObjectSigner",
    "Registry",
    "RegistryError",
    "Signer",
    "StoreUnavailable",
    "SyncReport",
    "Verifier",
    "VersionDeleted",
    "VersionExists",
    "open_registry",
    "rollback_canary",
    "sync_registries",
]
