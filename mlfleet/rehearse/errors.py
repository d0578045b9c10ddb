"""The one error the rehearsal raises for a problem a user can fix (printed, never a traceback)."""

from __future__ import annotations


class RehearsalError(Exception):
    def __init__(self, message: str, *, fix: str | None = None) -> None:
        super().__init__(message)
        self.fix = fix

    def __str__(self) -> str:
        text = super().__str__()
        return f"{text}\n  fix: {self.fix}" if self.fix else text
