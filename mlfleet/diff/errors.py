"""Diff errors carry a message meant for a human; the CLI prints them without a traceback."""

from __future__ import annotations


class DiffError(Exception):
    """A plan could not be read or previewed; `str(error)` names the file or ref and the fix."""
