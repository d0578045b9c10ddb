"""The rehearsal's cluster network: one private podman bridge per rehearsal, a network namespace per
pod (as in Kubernetes: every pod has its own IP, pods reach each other and Services by IP).

Processes that are not images of ours (object-store emulators, Service proxies, Prometheus,
Alertmanager, the alert sink) run from this machine's binaries inside the network namespace of a
small placeholder container on the same bridge ("infra", like a pod's pause container), entered
with `nsenter --net`. So they bind inside that private namespace, never on the host's interfaces,
and pods reach them by that IP. The host reaches every IP on the bridge directly.
"""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import IO

from mlfleet.rehearse.errors import RehearsalError
from mlfleet.rehearse.podman import Podman, run_limits
from mlfleet.rehearse.processes import stop_all
from mlfleet.rehearse.tools import find_tool

Spawn = Callable[[list[str]], "subprocess.Popen[bytes]"]


class Infra:
    """A placeholder container whose network namespace hosts our own processes."""

    def __init__(self, cluster: ClusterNetwork, role: str, container: str, ip: str, pid: int) -> None:
        self.cluster = cluster
        self.role = role
        self.container = container
        self.ip = ip
        self.pid = pid
        self.processes: list[subprocess.Popen[bytes]] = []

    def spawn(
        self,
        argv: list[str],
        log: Path | None = None,
        env: dict[str, str] | None = None,
        cwd: Path | None = None,
    ) -> subprocess.Popen[bytes]:
        """Run `argv` (a host binary) inside this namespace; stopped with the cluster."""
        nsenter = find_tool("nsenter") or "nsenter"
        out: IO[bytes] | int = log.open("ab") if log else subprocess.DEVNULL
        proc = subprocess.Popen(
            [nsenter, f"--net=/proc/{self.pid}/ns/net", *argv],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=cwd,
            start_new_session=True,
        )
        self.processes.append(proc)
        return proc

    def stop(self) -> None:
        stop_all(self.processes)
        self.processes.clear()


class ClusterNetwork:
    """Creates the bridge and removes it, with every container and process on it, on exit."""

    def __init__(self, podman: Podman, base_image: str, label: str) -> None:
        self.podman = podman
        self.base_image = base_image
        self.id = uuid.uuid4().hex[:8]
        self.name = f"mlfleet-rh-{label}-{self.id}"[:60]
        self.containers: list[str] = []
        self.infras: list[Infra] = []

    def __enter__(self) -> ClusterNetwork:
        self.podman.run("network", "create", self.name)
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        for infra in self.infras:
            infra.stop()
        self.podman.remove(*self.containers)
        self.containers.clear()
        self.podman.run("network", "rm", "--force", self.name, check=False)

    def container_name(self, role: str) -> str:
        safe = "".join(c if c.isalnum() or c in "-_." else "-" for c in role)
        return f"rh-{self.id}-{safe}"[:63]

    def track(self, container: str) -> None:
        self.containers.append(container)

    def infra(self, role: str) -> Infra:
        """A new namespace on the bridge (its IP is a pod IP or a Service's ClusterIP)."""
        name = self.container_name(f"infra-{role}")
        self.track(name)
        self.podman.run(
            "run", "-d", "--name", name, "--network", self.name, *run_limits(),
            "--entrypoint", '["sleep"]', self.base_image, "infinity",
        )  # fmt: skip
        infra = Infra(
            self, role, name, self.podman.container_ip(name, self.name), self.podman.container_pid(name)
        )
        if infra.pid <= 0:
            raise RehearsalError(f"the placeholder container for {role} did not start")
        self.infras.append(infra)
        return infra
