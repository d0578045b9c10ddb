"""Errors raised by the registry. Every message says what was wrong, where, and what to do."""

from __future__ import annotations


class RegistryError(Exception):
    """Base class: any registry failure the caller can report without a traceback."""


class NotFound(RegistryError):
    """A model, version or alias does not exist."""


class IntegrityError(RegistryError):
    """A stored file does not match the sha256 recorded in its manifest (tampered or truncated)."""


class AliasConflict(RegistryError):
    """A compare-and-swap alias move lost: the alias is not where the caller expected."""


class VersionExists(RegistryError):
    """An immutable object (a version manifest, an alias history entry) already exists."""


class InvalidName(RegistryError, ValueError):
    """A model name, version id or alias breaks the grammar (mlfleet_registry.names); nothing was done."""


class StoreUnavailable(RegistryError):
    """The registry's store cannot be used: unreachable endpoint, missing bucket, no permission, bad
    URL, a file where a directory should be. The message names the URL and the cause."""


class VersionDeleted(NotFound):
    """The version is deleted or being deleted (it has a tombstone): it can no longer be promoted."""
