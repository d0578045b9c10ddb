"""What `mlfleet release` can end with: one clean line and an exit code per outcome."""

from __future__ import annotations

EXIT_OK = 0  # released (promoted), or passed and waiting for approval
EXIT_ERROR = 1  # something failed before a verdict (registry, Prometheus, pulumi); nothing promoted
EXIT_USAGE = 2
EXIT_GATE = 3  # the gate refused the version: nothing became a candidate
EXIT_ROLLED_BACK = 4  # the canary failed its analysis and was rolled back
EXIT_INCONCLUSIVE = 5  # too little canary traffic to judge: rolled back (never promote unseen)


class ReleaseError(Exception):
    """A step failed; the message says which and what to do."""


class GateRefused(ReleaseError):
    """The version did not pass the gate against production."""
