"""Trainer errors: each carries a message fit to print as is (no traceback)."""

from __future__ import annotations


class TrainerError(Exception):
    """Bad config, unreadable data, unknown estimator: anything the user must fix."""


class DataValidationError(TrainerError):
    """The data failed validation; the message is the full readable report."""


class GateRejected(TrainerError):
    """The candidate did not beat the current production model within tolerance."""
