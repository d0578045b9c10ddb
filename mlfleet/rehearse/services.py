"""Services: a ClusterIP per Service, its DNS names, and kube-proxy's forwarding to ready endpoints.

Stand-in: kube-proxy is replaced by haproxy (Debian) listening on the Service's ports inside the
Service's own network namespace (its ClusterIP), forwarding to the selected pods' target ports. An
endpoint receives traffic only while its readiness probe passes, as with EndpointSlices: haproxy
checks the probe's path, period and failure threshold itself.
"""

from __future__ import annotations

import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlfleet.rehearse.errors import RehearsalError
from mlfleet.rehearse.kube import KubeObject, pod_template, selector_matches
from mlfleet.rehearse.kubelet import Pod
from mlfleet.rehearse.network import Infra
from mlfleet.rehearse.tools import find_tool


@dataclass
class Endpoint:
    pod: str
    ip: str
    # container port name -> number, and the readiness probe of the serving container (if any)
    ports: dict[str, int]
    readiness: dict[str, Any] | None


@dataclass
class ServiceProxy:
    service: KubeObject
    infra: Infra
    endpoints: list[Endpoint] = field(default_factory=list)

    @property
    def ip(self) -> str:
        return self.infra.ip

    def selects(self, workload: KubeObject) -> bool:
        """Whether the Service's selector picks this workload's pods (same namespace, labels match)."""
        meta, _ = pod_template(workload)
        return workload.namespace == self.service.namespace and selector_matches(
            self.service.spec.get("selector"), meta.get("labels") or {}
        )

    def add(self, pod: Pod) -> None:
        """An endpoint for `pod`, with the readiness probe that gates its traffic."""
        self.endpoints.append(Endpoint(pod.name, pod.ip, pod.ports, pod.readiness))

    def dns_names(self) -> list[str]:
        name, ns = self.service.name, self.service.namespace
        return [f"{name}.{ns}.svc.cluster.local", f"{name}.{ns}.svc", f"{name}.{ns}", name]

    def target_port(self, port: dict[str, Any], endpoint: Endpoint) -> int:
        target = port.get("targetPort", port["port"])
        if isinstance(target, int) or str(target).isdigit():
            return int(target)
        if target not in endpoint.ports:
            raise RehearsalError(
                f"{self.service.where('spec.ports.targetPort')} is {target!r}, but pod {endpoint.pod} has no "
                f"container port of that name (it has {sorted(endpoint.ports)}): the Service sends nowhere",
                fix="name the container port like the Service's targetPort",
            )
        return endpoint.ports[target]

    def haproxy_config(self) -> str:
        lines = [
            "global",
            "    maxconn 2000",
            "defaults",
            "    mode tcp",
            "    timeout connect 2s",
            "    timeout client 60s",
            "    timeout server 60s",
        ]
        for port in self.service.spec.get("ports") or []:
            label = port.get("name") or str(port["port"])
            lines += [f"listen {label}", f"    bind 0.0.0.0:{port['port']}", "    balance roundrobin"]
            probe = next((e.readiness for e in self.endpoints if e.readiness), None)
            http = (probe or {}).get("httpGet")
            if http:
                lines += ["    option httpchk", f"    http-check send meth GET uri {http.get('path', '/')}"]
            for endpoint in self.endpoints:
                target = self.target_port(port, endpoint)
                check = ""
                if probe:
                    period = int(probe.get("periodSeconds", 10))
                    fall, rise = int(probe.get("failureThreshold", 3)), int(probe.get("successThreshold", 1))
                    check = f" check inter {period}s fall {fall} rise {rise}"
                    if http and http.get("port") not in (None, port.get("targetPort")):
                        check += f" port {_probe_port(http.get('port'), endpoint)}"
                lines.append(f"    server {endpoint.pod} {endpoint.ip}:{target}{check}")
        return "\n".join(lines) + "\n"

    def start(self, workdir: Path) -> None:
        haproxy = find_tool("haproxy")
        if haproxy is None:
            raise RehearsalError("haproxy is not installed", fix="apt-get install haproxy (make tools)")
        config = workdir / f"haproxy-{self.service.namespace}-{self.service.name}.cfg"
        config.write_text(self.haproxy_config())
        check = self.infra.spawn([haproxy, "-c", "-q", "-f", str(config)])
        if check.wait(timeout=30) != 0:
            raise RehearsalError(
                f"haproxy rejected the proxy config for {self.service.where('spec')}: {config}"
            )
        proc = self.infra.spawn([haproxy, "-db", "-f", str(config)], log=workdir / f"{config.stem}.log")
        for port in self.service.spec.get("ports") or []:
            _wait_listening(self.ip, int(port["port"]), proc, self.service.where("spec.ports"))


def _wait_listening(
    ip: str, port: int, proc: subprocess.Popen[bytes], where: str, seconds: float = 15
) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RehearsalError(f"the Service proxy for {where} exited with {proc.returncode}")
        with socket.socket() as sock:
            sock.settimeout(0.5)
            if sock.connect_ex((ip, port)) == 0:
                return
        time.sleep(0.1)
    raise RehearsalError(f"the Service proxy for {where} does not listen on {ip}:{port}")


def _probe_port(port: Any, endpoint: Endpoint) -> int:
    return int(port) if isinstance(port, int) or str(port).isdigit() else endpoint.ports[str(port)]
