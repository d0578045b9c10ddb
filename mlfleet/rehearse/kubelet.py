"""The kubelet's part: start a pod's containers from the plan, probe them, run Jobs to completion."""

from __future__ import annotations

import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlfleet.rehearse.errors import RehearsalError
from mlfleet.rehearse.kube import KubeObject, Objects
from mlfleet.rehearse.network import ClusterNetwork
from mlfleet.rehearse.podman import ImageConfig, Podman, run_limits
from mlfleet.rehearse.podspec import ContainerRun, PodContext, container_run
from mlfleet.rehearse.report import StepFailed

_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


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

    def probe_url(self, kind: str) -> str | None:
        probe = self.main.get(kind) or {}
        http = probe.get("httpGet")
        if not http:
            return None
        port = http.get("port")
        number = int(port) if isinstance(port, int) or str(port).isdigit() else self.ports[str(port)]
        return f"http://{self.ip}:{number}{http.get('path', '/')}"


def http_status(url: str, timeout: float = 2.0) -> int:
    try:
        with _NO_PROXY.open(url, timeout=timeout) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code
    except (TimeoutError, OSError):
        return 0


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
        """Probe readiness like the kubelet (initialDelay, period, success) until Ready; seconds taken.
        Fails if the container exits or liveness would restart it."""
        probe = pod.main.get("readinessProbe") or {}
        url = pod.probe_url("readinessProbe")
        live = pod.probe_url("livenessProbe")
        started = time.monotonic()
        time.sleep(min(float(probe.get("initialDelaySeconds", 0)), 5.0))
        live_failures = 0
        live_threshold = int((pod.main.get("livenessProbe") or {}).get("failureThreshold", 3))
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
            if live is not None and time.monotonic() - started > float(
                (pod.main.get("livenessProbe") or {}).get("initialDelaySeconds", 0)
            ):
                live_failures = live_failures + 1 if not 200 <= http_status(live) < 400 else 0
                if live_failures >= live_threshold * 3:
                    raise StepFailed(
                        f"{pod.workload.where('livenessProbe')}: {live} failed {live_failures} times: "
                        f"would restart pod {pod.name} in a loop:\n{self.podman.logs(pod.container)}"
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
