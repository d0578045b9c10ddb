"""A thin, typed wrapper over the `podman` CLI as the rehearsal uses it (rootful, runc, vfs).

Why these flags: on these machines crun and overlay do not work, and runc refuses podman's default
rlimits (nofile=1048576), so every container asks for what the calling process may have. The
flags come from one place (MLFLEET_PODMAN_FLAGS overrides them, like scripts/build-base-image.sh).
"""

from __future__ import annotations

import json
import os
import resource
import shlex
import subprocess
from dataclasses import dataclass
from typing import Any

from mlfleet.rehearse.errors import RehearsalError
from mlfleet.rehearse.tools import SBIN, find_tool

DEFAULT_FLAGS = "--runtime runc --storage-driver vfs"


@dataclass(frozen=True)
class ImageConfig:
    """What a built image says about how it runs (OCI/Docker config)."""

    entrypoint: list[str]
    cmd: list[str]
    user: str
    env: dict[str, str]
    workdir: str


class Podman:
    def __init__(self, flags: str | None = None) -> None:
        binary = find_tool("podman")
        if binary is None or find_tool("runc") is None:
            raise RehearsalError(
                "podman and runc are not installed",
                fix="apt-get install podman buildah runc debootstrap (make tools does this)",
            )
        # podman's CNI plugins exec iptables (Debian: /usr/sbin), which a minimal PATH lacks.
        self.env = {**os.environ, "PATH": os.pathsep.join([os.environ.get("PATH", ""), *SBIN])}
        self.prefix = [binary, *shlex.split(flags or os.environ.get("MLFLEET_PODMAN_FLAGS", DEFAULT_FLAGS))]

    def run(
        self, *args: str, check: bool = True, timeout: float = 600, input_text: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [*self.prefix, *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            input=input_text,
            env=self.env,
        )
        if check and result.returncode != 0:
            raise RehearsalError(
                f"podman {args[0]} failed: {(result.stderr or result.stdout).strip()[-2000:]}"
            )
        return result

    def image_exists(self, ref: str) -> bool:
        return self.run("image", "exists", ref, check=False).returncode == 0

    def image_config(self, ref: str) -> ImageConfig:
        raw = json.loads(self.run("image", "inspect", ref).stdout)[0]
        config: dict[str, Any] = raw.get("Config") or {}
        env = dict(item.split("=", 1) for item in config.get("Env") or [] if "=" in item)
        return ImageConfig(
            entrypoint=list(config.get("Entrypoint") or []),
            cmd=list(config.get("Cmd") or []),
            user=config.get("User") or "",
            env=env,
            workdir=config.get("WorkingDir") or "/",
        )

    def container_ip(self, name: str, network: str) -> str:
        raw = json.loads(self.run("inspect", name).stdout)[0]
        networks = raw["NetworkSettings"]["Networks"]
        return str(networks[network]["IPAddress"])

    def container_pid(self, name: str) -> int:
        return int(self.run("inspect", "--format", "{{.State.Pid}}", name).stdout.strip())

    def state(self, name: str) -> tuple[str, int]:
        """(status, exit code) of a container."""
        out = self.run("inspect", "--format", "{{.State.Status}} {{.State.ExitCode}}", name).stdout.split()
        return out[0], int(out[1])

    def logs(self, name: str, tail: int = 60) -> str:
        result = self.run("logs", "--tail", str(tail), name, check=False)
        return (result.stdout + result.stderr).strip()

    def remove(self, *names: str) -> None:
        if names:
            self.run("rm", "--force", "--time", "3", *names, check=False, timeout=120)


def run_limits() -> list[str]:
    """`--ulimit` flags this sandbox accepts (runc may not raise limits above the caller's)."""
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    nofile = 65536 if hard == resource.RLIM_INFINITY else min(hard, 65536)
    return ["--ulimit", f"nofile={nofile}:{nofile}", "--ulimit", "nproc=4096:4096"]
