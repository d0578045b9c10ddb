"""The front door stand-in: haproxy 2.6 on 127.0.0.1, configured from the stack's
`mlfleet:frontDoor`: the same readiness path, interval and failure threshold as the cloud's health
checks; active-active = both cells in rotation, active-passive = the standby as `backup` server.

What haproxy does not do like a DNS door: no TTL (clients reach the new cell as soon as haproxy marks
the old one down; the expected figures add the TTL for DNS doors) and no retries elsewhere (`retries 0`,
no `redispatch`: a client that was sent to a dead cell fails, as one holding a cached DNS answer
does)."""

from __future__ import annotations

import csv
import io
import subprocess
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from mlfleet.drill.errors import DrillError
from mlfleet.drill.stack import Door
from mlfleet.drill.timing import Timing
from mlfleet.rehearse.tools import find_tool

BACKEND = "cells"


def render_config(
    door: Door, timing: Timing, port: int, stats_port: int, cells: dict[str, int], standby: str
) -> str:
    """haproxy.cfg. Route 53 uses FailureThreshold for both directions (API HealthCheckConfig: "must
    pass or fail ... to change the current status"), hence rise = fall = the threshold."""
    interval_ms = max(1, round(timing.drill(door.interval) * 1000))
    servers = "\n".join(
        f"  server {name} 127.0.0.1:{p} check"
        + (" backup" if door.mode == "active-passive" and name == standby else "")
        for name, p in cells.items()
    )
    return f"""global
  maxconn 512

defaults
  mode http
  timeout connect 1s
  timeout client 30s
  timeout server 30s
  timeout check {interval_ms}ms
  retries 0

frontend door
  bind 127.0.0.1:{port}
  default_backend {BACKEND}

frontend stats
  bind 127.0.0.1:{stats_port}
  stats enable
  stats uri /stats
  stats refresh 1s

backend {BACKEND}
  balance roundrobin
  option httpchk GET {door.health_path}
  http-check expect status 200
  http-response set-header X-Mlfleet-Cell %s
  default-server inter {interval_ms}ms fall {door.failure_threshold} rise {door.failure_threshold}
{servers}
"""


@dataclass
class Transition:
    at: float  # time.monotonic()
    cell: str
    status: str  # UP / DOWN (haproxy's, without the "1/3" progress)


@dataclass
class FrontDoor:
    config_text: str
    workdir: Path
    port: int
    stats_port: int
    proc: subprocess.Popen[bytes] | None = None
    transitions: list[Transition] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        haproxy = find_tool("haproxy")
        if haproxy is None:
            raise DrillError("haproxy is not installed; run `make tools` (scripts/install-tools.sh)")
        cfg = self.workdir / "haproxy.cfg"
        cfg.write_text(self.config_text)
        check = subprocess.run([haproxy, "-c", "-q", "-f", str(cfg)], capture_output=True, text=True)
        if check.returncode != 0:
            raise DrillError(f"haproxy refused {cfg}: {' '.join(check.stderr.split())[:300]}")
        with (self.workdir / "haproxy.log").open("ab") as log:
            self.proc = subprocess.Popen(
                [haproxy, "-db", "-f", str(cfg)], stdout=log, stderr=subprocess.STDOUT
            )
        threading.Thread(target=self._watch, daemon=True, name="drill-door-watch").start()

    def stop(self) -> None:
        self._stop.set()
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def statuses(self) -> dict[str, str]:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.stats_port}/stats;csv", timeout=2) as r:
            text = r.read().decode().lstrip("# ")
        return {
            row["svname"]: row["status"].split(" ")[0]
            for row in csv.DictReader(io.StringIO(text))
            if row["pxname"] == BACKEND and row["svname"] not in ("BACKEND", "FRONTEND")
        }

    def _watch(self) -> None:
        """Record every UP/DOWN change of a cell with its time (polled every 20 ms)."""
        last: dict[str, str] = {}
        while not self._stop.wait(0.02):
            try:
                now, current = time.monotonic(), self.statuses()
            except OSError:
                continue
            for cell, status in current.items():
                if last.get(cell) != status:
                    self.transitions.append(Transition(now, cell, status))
                    last[cell] = status

    def status(self, cell: str) -> str:
        for t in reversed(self.transitions):
            if t.cell == cell:
                return t.status
        return "?"

    def first(self, cell: str, status: str, after: float) -> float | None:
        return next(
            (t.at for t in self.transitions if t.cell == cell and t.status == status and t.at >= after), None
        )
