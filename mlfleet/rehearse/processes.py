"""Stopping what the rehearsal started: SIGTERM, then SIGKILL after a grace period, newest first."""

from __future__ import annotations

import subprocess
from collections.abc import Iterable


def stop_all(processes: Iterable[subprocess.Popen[bytes]], grace: float = 10.0) -> None:
    ordered = list(processes)[::-1]
    for proc in ordered:
        if proc.poll() is None:
            proc.terminate()
    for proc in ordered:
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
