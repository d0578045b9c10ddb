"""The kubelet's part: start a pod's containers from the plan, probe them, run Jobs to completion."""

from __future__ import annotations

import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlfleet.rehearse.errors import RehearsalError
from mlfleet.rehearse.http import http_status
from mlfleet.rehearse.kube import KubeObject, Objects
from mlfleet.rehearse.network import ClusterNetwork
from mlfleet.rehearse.podman import ImageConfig, Podman, run_limits
from mlfleet.rehearse.podspec import ContainerRun, PodContext, container_run
from mlfleet.rehearse.report import StepFailed


@dataclass
class Pod:
    name: str
    workload: KubeObject
    container: str  # podman name of the main (first) container
    ip: str
    spec: dict[str, Any]
    ports: dict[str, int]
    runs: list[ContainerRun] = field(default_factory=list)

    @property
    def main(self) -> dict[str, Any]:
        return dict(self.spec["containers"][0])

    @property
    def readiness(self) -> dict[str, Any] | None:
        probe = self.main.get("readinessProbe")
        return dict(probe) if probe else None

    def probe_url(self, kind: str) -> str | None:
        probe = self.main.get(kind) or {}
        http = probe.get("httpGet")
        if not http:
            return None
        port = http.get("port")
        number = int(port) if isinstance(port, int) or str(port).isdigit() else self.ports[str(port)]
        return f"http://{self.ip}:{number}{http.get('path', '/')}"


class Kubelet:
    def __init__(
        self,
        podman: Podman,
        cluster: ClusterNetwork,
        objects: Objects,
        images: dict[str, ImageConfig],
        workdir: Path,
    ) -> None:
        self.podman = podman
        self.cluster = cluster
        self.objects = objects
        self.images = images
        self.workdir = workdir

    def start(self, ctx: PodContext, hosts: dict[str, str]) -> Pod:
        """Start every container of the pod (the first owns the network namespace, as a pause container)."""
        spec = ctx.spec
        first = self.cluster.container_name(ctx.name)
        pod: Pod | None = None
        runs = []
        for index, container in enumerate(spec.get("containers") or []):
            name = first if index == 0 else self.cluster.container_name(f"{ctx.name}-{container['name']}")
            image = self.images.get(container["image"])
            if image is None:
                raise RehearsalError(
                    f"{ctx.workload.where('containers.image')}: no image for {container['image']}"
                )
            run = container_run(
                ctx, container, self.objects, image, container_name=name,
                network=self.cluster.name if index == 0 else f"container:{first}", hosts=hosts,
            )  # fmt: skip
            self.cluster.track(name)
            self.podman.run("run", "-d", *run_limits(), *run.argv)
            runs.append(run)
            if index == 0:
                ports = {
                    p["name"]: int(p["containerPort"])
                    for c in spec["containers"]
                    for p in c.get("ports") or []
                    if p.get("name")
                }
                ip = self.podman.container_ip(name, self.cluster.name)
                pod = Pod(ctx.name, ctx.workload, name, ip, spec, ports)
        if pod is None:
            raise RehearsalError(f"{ctx.workload.where('spec.containers')} is empty")
        pod.runs = runs
        return pod

    def wait_ready(self, pod: Pod, timeout: float = 180) -> float:
        """Wait until the pod is Ready; seconds taken. Readiness is polled often (the rehearsal wants the
        moment it passes); liveness follows the kubelet's schedule exactly (first probe after
        initialDelaySeconds, then every periodSeconds, each within timeoutSeconds; failureThreshold
        consecutive failures restart the container), so a server that starts slower than its liveness
        probe allows fails here as it would crash-loop in the cluster."""
        url = pod.probe_url("readinessProbe")
        live_url = pod.probe_url("livenessProbe")
        live = pod.main.get("livenessProbe") or {}
        period = float(live.get("periodSeconds", 10))
        threshold = int(live.get("failureThreshold", 3))
        probe_timeout = float(live.get("timeoutSeconds", 1))
        started = time.monotonic()
        next_live = started + float(live.get("initialDelaySeconds", 0))
        failures = 0
        while time.monotonic() - started < timeout:
            status, code = self.podman.state(pod.container)
            if status != "running":
                raise StepFailed(
                    f"{pod.workload.where('containers[0]')}: pod {pod.name} exited with code {code} before "
                    f"it was ready:\n{self.podman.logs(pod.container)}",
                    "read the log above; the container runs with exactly the plan's command, env and mounts",
                )
            if url is None or 200 <= http_status(url) < 400:
                return time.monotonic() - started
            if live_url is not None and time.monotonic() >= next_live:
                next_live += period
                failures = 0 if 200 <= http_status(live_url, probe_timeout) < 400 else failures + 1
                if failures >= threshold:
                    raise StepFailed(
                        f"{pod.workload.where('livenessProbe')}: {live_url} failed {failures} times in a row "
                        f"({time.monotonic() - started:.0f} s after start): kubelet restarts pod {pod.name}, "
                        f"which would crash-loop:\n{self.podman.logs(pod.container)}",
                        "give the server time to start (initialDelaySeconds, or a startupProbe)",
                    )
            time.sleep(0.5)
        raise StepFailed(
            f"{pod.workload.where('readinessProbe')}: pod {pod.name} was not Ready after {timeout:.0f} s "
            f"({url}):\n{self.podman.logs(pod.container)}",
            "the readiness endpoint must answer 2xx once the model is loaded",
        )

    def run_to_completion(self, pod: Pod, timeout: float) -> tuple[int, float, str]:
        """Wait for a Job's pod to finish: (exit code, seconds, log tail)."""
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            status, code = self.podman.state(pod.container)
            if status in ("exited", "stopped"):
                return code, time.monotonic() - started, self.podman.logs(pod.container, tail=40)
            time.sleep(0.5)
        subprocess.run(
            [*self.podman.prefix, "stop", "-t", "5", pod.container], capture_output=True, check=False
        )
        return -1, time.monotonic() - started, self.podman.logs(pod.container, tail=40)
