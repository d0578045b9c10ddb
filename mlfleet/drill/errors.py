"""The drill's one error type: a one-line, actionable message (never a traceback)."""

from __future__ import annotations


class DrillError(Exception):
    pass
