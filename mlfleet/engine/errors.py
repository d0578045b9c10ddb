"""Preview errors carry a message meant for a human; the CLI prints them without a traceback."""

from __future__ import annotations


class PreviewError(Exception):
    """The preview of a stack failed: bad project/stack file, bad config, a fidelity check, or the
    program raised. `str(error)` names the stack (and file/key/resource/property where known)."""

    def __init__(self, stack: str, message: str) -> None:
        self.stack = stack
        self.message = message
        super().__init__(f"stack '{stack}': {message}")
