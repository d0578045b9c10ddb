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
