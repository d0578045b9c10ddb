"""Trainer errors: each carries a message fit to print as is (no traceback)."""

from __future__ import annotations


class TrainerError(Exception):
    """Bad config, unreadable data, unknown estimator: anything the user must fix."""


class DataValidationError(TrainerError):
    """The data failed validation; the message is the full readable report."""


class GateRejected(TrainerError):
    """The candidate did not beat the current production model within tolerance."""


class NotPromoted(TrainerError):
    """The version was registered but the alias was not moved (production moved meanwhile and the
    re-gate rejected it, or the alias race was lost repeatedly). `mlfleet train` exits 3."""

    def __init__(self, message: str, *, name: str, version: str) -> None:
        super().__init__(message)
        self.name = name
        self.version = version


EXIT_NOT_PROMOTED = 3
