"""Run a server as a child process on 127.0.0.1 and stop it again (demo, benchmark, tests)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import IO


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serving_env(registry: str, model: str, port: int, keys_file: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLFLEET_")}
    env.update(
        {
            "MLFLEET_REGISTRY": registry,
            "MLFLEET_MODEL": model,
            "MLFLEET_HOST": "127.0.0.1",
            "MLFLEET_PORT": str(port),
            # A free gRPC port too: the default (8081) is fixed, so two local servers (parallel
            # test workers, bench cases) would collide on it and the second would exit.
            "MLFLEET_GRPC_PORT": str(free_port()),
            "MLFLEET_API_KEYS_FILE": str(keys_file),
            **extra,
        }
    )
    return env


def start(
    args: Sequence[str], env: dict[str, str] | None, log: IO[bytes] | int, prefix: Sequence[str] = ()
) -> subprocess.Popen[bytes]:
    return subprocess.Popen([*prefix, sys.executable, *args], env=env, stdout=log, stderr=subprocess.STDOUT)


def wait_ready(proc: subprocess.Popen[bytes], url: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with code {proc.returncode} before becoming ready")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback URL we built
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.1)
    raise RuntimeError(f"server not ready at {url} after {timeout:.0f} s")


def stop(proc: subprocess.Popen[bytes], timeout: float = 20.0) -> int:
    """SIGTERM (graceful drain), then SIGKILL if it does not exit in time."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return int(proc.returncode)


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0
