"""A cell's serving replica: the real mlfleet_serving server as a host process on 127.0.0.1, serving
the drill's model alias from its own cell's registry, verifying signatures with the drill's key."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from mlfleet.drill.errors import DrillError
from mlfleet.drill.timing import SERVING_POLL_SECONDS, Timing


@dataclass
class Replica:
    cell: str
    registry_url: str
    registry_env: dict[str, str]
    model: str
    keys_file: Path  # the drill user's API key hash
    verify_key: Path
    log_path: Path
    timing: Timing
    alias_max_age: float  # real seconds (mlfleet:frontDoor.registryMaxAge)
    port: int = 0
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Start (again, on the same port) and return once it answers ready."""
        self.launch()
        self.wait_ready()

    def launch(self) -> None:
        from mlfleet_serving import process

        if not self.port:
            self.port = process.free_port()
        env = process.serving_env(
            self.registry_url,
            self.model,
            self.port,
            self.keys_file,
            **self.registry_env,
            MLFLEET_VERIFY_KEYS=str(self.verify_key),
            MLFLEET_POLL_INTERVAL_SECONDS=f"{self.timing.drill(SERVING_POLL_SECONDS):g}",
            MLFLEET_ALIAS_MAX_AGE_SECONDS=f"{self.timing.drill(self.alias_max_age):g}",
            MLFLEET_GRPC_ENABLED="false",  # two replicas on one host: no second fixed port
            MLFLEET_ACCESS_LOG="false",
            # The drill's load is one user; the per-key limit is not what is measured.
            MLFLEET_RATE_LIMIT_PER_SECOND="100000",
            MLFLEET_RATE_LIMIT_BURST="100000",
        )
        with self.log_path.open("ab") as log:
            self.proc = process.start(["-m", "mlfleet_serving"], env, log)

    def wait_ready(self) -> None:
        from mlfleet_serving import process

        assert self.proc is not None
        try:
            process.wait_ready(self.proc, self.url + "/v2/health/ready", timeout=120)
        except RuntimeError as exc:
            raise DrillError(f"serving replica of cell {self.cell}: {exc} (log: {self.log_path})") from None

    def kill(self) -> None:
        """SIGKILL: the process dies as in a crash or a lost node, without draining."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def stop(self) -> None:
        from mlfleet_serving import process

        if self.proc is not None:
            process.stop(self.proc, timeout=10)
