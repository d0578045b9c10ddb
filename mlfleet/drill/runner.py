"""The drill: start everything (emulators, trained model, sync, two replicas, haproxy, load), run the
RPO probe and the three faults one after the other, each measured on its own, and stop everything
whatever happens (failure, Ctrl-C): processes, threads, environment and the temporary directory."""

from __future__ import annotations

import re
import shutil
import tempfile
import time
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterable
from contextlib import ExitStack
from pathlib import Path

from mlfleet.drill import models
from mlfleet.drill.door import FrontDoor, render_config
from mlfleet.drill.emulators import CellRegistry, cell_registry
from mlfleet.drill.errors import DrillError
from mlfleet.drill.figures import Report, Scenario
from mlfleet.drill.load import Load, Result
from mlfleet.drill.replicas import Replica
from mlfleet.drill.stack import DrillStack
from mlfleet.drill.sync import SyncSchedule
from mlfleet.drill.timing import SERVING_POLL_SECONDS, SYNC_PERIOD_SECONDS, Timing
from mlfleet.rehearse.runner import _environ

Progress = Callable[[str], None]
INTEGRITY_FAILURES = re.compile(
    r'mlfleet_model_load_failures_total\{([^}]*reason="integrity"[^}]*)\} ([0-9.e+]+)'
)


def _kinds(failures: Iterable[Result]) -> dict[str, int]:
    return dict(Counter(f"{r.cell or '-'}:{r.status}" for r in failures))


def _wait(predicate: Callable[[], object], seconds: float, what: str) -> float:
    """Poll every 20 ms; the time.monotonic() when `predicate` first held, else DrillError."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if predicate():
                return time.monotonic()
        except OSError:
            pass
        time.sleep(0.02)
    raise DrillError(f"timed out after {seconds:.0f} s waiting for {what}")


class Drill:
    def __init__(
        self, stack: DrillStack, timing: Timing, progress: Progress, workdir: Path | None = None
    ) -> None:
        self.stack, self.timing, self.say, self.keep = stack, timing, progress, workdir
        self.workdir = workdir or Path(".")
        door = stack.door
        self.check_time = timing.drill(door.interval) * door.failure_threshold  # drill seconds
        self.report = Report(
            stack.name,
            door.provider,
            door.mode,
            door.interval,
            door.failure_threshold,
            door.ttl,
            timing.label,
            timing.scale,
        )

    def run(self) -> Report:
        with ExitStack() as stack:
            if self.keep is None:
                self.workdir = Path(tempfile.mkdtemp(prefix="mlfleet-drill-"))
                stack.callback(shutil.rmtree, self.workdir, ignore_errors=True)
            self._start(stack)
            self._rpo()
            self._kill_server()
            self._cut_registry()
            self._broken_version()
            self.say("stopping everything the drill started")
        return self.report

    # -- set-up -------------------------------------------------------------------------------------
    def _start(self, stack: ExitStack) -> None:
        from mlfleet_registry.signing import generate_key
        from mlfleet_serving.auth import generate_api_key, hash_entry

        s, t = self.stack, self.timing
        log = stack.enter_context((self.workdir / "emulators.log").open("ab"))
        self.say(
            f"registries: {s.primary.cloud} emulator for {s.primary.name}, "
            f"{s.secondary.cloud} for {s.secondary.name}"
        )
        self.primary_reg: CellRegistry = stack.enter_context(
            cell_registry(s.primary.cloud, log, self.workdir)
        )
        self.secondary_reg: CellRegistry = stack.enter_context(
            cell_registry(s.secondary.cloud, log, self.workdir)
        )
        public, _ = generate_key(self.workdir / "signing.pem")
        env = {
            **self.primary_reg.env,
            **self.secondary_reg.env,
            "MLFLEET_SIGNING_KEY": str(self.workdir / "signing.pem"),
            "MLFLEET_VERIFY_KEYS": str(public),
        }
        # The registry clients in this process (trainer, publisher, sync) read endpoints and keys from the
        # environment, as in production; restored afterwards.
        stack.enter_context(_environ(env))
        self.say(
            "training the model once (trainer defaults, bundled breast-cancer data), signed, into the primary"
        )
        self.model, self.v1 = models.train_first(self.primary_reg.url)
        self.sync = SyncSchedule(self.primary_reg.url, self.secondary_reg.url, t.drill(SYNC_PERIOD_SECONDS))
        self.sync.start()
        stack.callback(self.sync.stop)
        self.api_key = generate_api_key()
        keys = self.workdir / "api-keys"
        keys.write_text(hash_entry("drill", self.api_key) + "\n")
        self.primary = self._replica(s.primary.name, self.primary_reg, keys, public)
        self.secondary = self._replica(s.secondary.name, self.secondary_reg, keys, public)
        self.say(f"starting the serving replicas of {self.primary.cell} and {self.secondary.cell}")
        for replica in (self.primary, self.secondary):
            stack.callback(replica.stop)
            replica.launch()
        for replica in (self.primary, self.secondary):
            replica.wait_ready()
        from mlfleet_serving.process import free_port

        port, stats = free_port(), free_port()
        cells = {self.primary.cell: self.primary.port, self.secondary.cell: self.secondary.port}
        self.door = FrontDoor(
            render_config(s.door, t, port, stats, cells, s.secondary.name), self.workdir, port, stats
        )
        self.say(
            f"haproxy front door on {self.door.url} ({s.door.mode}, {s.door.health_path}, "
            f"every {t.drill(s.door.interval):g} s, fall/rise {s.door.failure_threshold})"
        )
        stack.callback(self.door.stop)
        self.door.start()
        _wait(
            lambda: self.door.status(self.primary.cell) == self.door.status(self.secondary.cell) == "UP",
            self.check_time * 3 + 30,
            "both cells UP in haproxy",
        )
        self.load = Load(self.door.url, self.api_key, models.sample_row(self.primary_reg.url, self.model))
        stack.callback(self.load.stop)
        self.load.start()
        _wait(lambda: sum(r.ok for r in self.load.results) >= 20, 60, "the load's first successful requests")
        self.say(
            f"steady load through the door: {self.load.results[-1].cell or '?'} answered, "
            f"{self.model} {self.v1} in both cells"
        )

    def _replica(self, cell: str, reg: CellRegistry, keys: Path, public: Path) -> Replica:
        return Replica(
            cell,
            reg.url,
            reg.env,
            self.model,
            keys,
            public,
            self.workdir / f"serving-{cell}.log",
            self.timing,
            self.stack.door.registry_max_age,
        )

    # -- probes -------------------------------------------------------------------------------------
    def _get(self, url: str) -> bytes:
        """A probe of a replica (not counted as load); three tries, for a loaded machine."""
        request = urllib.request.Request(url, headers={"X-API-Key": self.api_key})  # noqa: S310 - loopback
        for attempt in range(3):
            try:
                with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 - loopback URL
                    return bytes(response.read())
            except OSError:
                if attempt == 2:
                    raise
                time.sleep(0.5)
        raise AssertionError("unreachable")

    def _served(self, replica: Replica) -> str:
        import json

        body = self._get(f"{replica.url}/v2/models/{self.model}")
        return str(json.loads(body)["parameters"]["version"])

    def _integrity_failures(self) -> float:
        text = self._get(f"{self.primary.url}/metrics").decode()
        return sum(float(m.group(2)) for m in INTEGRITY_FAILURES.finditer(text))

    def _steady(self) -> None:
        """Both cells in rotation and serving the same version before the next fault."""
        _wait(
            lambda: self.door.status(self.primary.cell) == self.door.status(self.secondary.cell) == "UP",
            self.check_time * 3 + 30,
            "both cells UP again",
        )
        _wait(
            lambda: self._served(self.primary) == self._served(self.secondary),
            self.timing.drill(SYNC_PERIOD_SECONDS + SERVING_POLL_SECONDS) * 3 + 30,
            "both cells on one version",
        )

    # -- scenarios ----------------------------------------------------------------------------------
    def _rpo(self) -> None:
        from mlfleet_registry import open_registry

        t = self.timing
        version = models.publish_copy(self.primary_reg.url, self.model, "drill: RPO probe")
        models.promote(self.primary_reg.url, self.model, version)
        published = time.monotonic()
        self.say(
            f"RPO: {version} published and promoted in {self.primary.cell}; waiting for {self.secondary.cell}"
        )
        bound = t.drill(SYNC_PERIOD_SECONDS + SERVING_POLL_SECONDS) * 3 + 60
        secondary = open_registry(self.secondary_reg.url)
        synced = _wait(lambda: secondary.resolve(self.model, "production") == version, bound, "the sync")
        served = _wait(lambda: self._served(self.secondary) == version, bound, f"{version} in the secondary")
        # The sync lag is the schedule's (scaled back); the pickup is the replica's poll plus its model
        # load, which the drill does not scale: counted as measured.
        self.report.sync_lag = t.real(synced - published)
        self.report.pickup = served - synced
        self.report.rpo = self.report.sync_lag + self.report.pickup
        self.report.expected_rpo = SYNC_PERIOD_SECONDS + SERVING_POLL_SECONDS
        if t.scale != 1:
            self.report.notes.append(
                f"RPO = sync lag x {t.scale:g} + pickup as measured; the quick profile polls every "
                f"{t.drill(SERVING_POLL_SECONDS):.2f} s instead of {SERVING_POLL_SECONDS:g} s, so a real "
                "pickup may take up to that much longer"
            )
        self._steady()

    def _measure(
        self,
        scenario: Scenario,
        fault: Callable[[], None],
        detected: Callable[[float], float | None],
        restore: Callable[[], float | None],
    ) -> None:
        """Inject, wait for detection, let the failures stop, restore, wait for the primary's return."""
        t, cell = self.timing, self.primary.cell
        self.say(f"{scenario.name}: {scenario.fault}")
        fault()
        start = time.monotonic()  # the fault is complete (the broken version is published first)
        limit = t.drill(scenario.expected_detection) * 3 + 30
        at = _wait(lambda: detected(start) is not None, limit, f"{scenario.name} to be detected")
        found = detected(start)
        scenario.detection = t.real((found or at) - start)
        quiet = 2 * t.drill(self.stack.door.interval)
        _wait(
            lambda: self._quiet_for(quiet),
            limit,
            f"no failed requests for {quiet:.1f} s after {scenario.name}",
        )
        restored = time.monotonic()
        window = self.load.between(start, restored)
        failures = [r for r in window if not r.ok]
        scenario.requests, scenario.failed = len(window), len(failures)
        scenario.rto = t.real(failures[-1].at - start) if failures else 0.0
        self.say(
            f"{scenario.name}: detected after {scenario.detection:.1f} s (real), {scenario.failed} of "
            f"{scenario.requests} requests failed; restoring"
        )
        unscaled = restore()  # seconds of the restore the drill does not scale (a process start)
        if self.door.first(cell, "DOWN", start) is not None:
            up = _wait(
                lambda: self.door.first(cell, "UP", restored) is not None, limit + 120, f"{cell} back UP"
            )
            scenario.failback = (unscaled or 0.0) + t.real(up - restored - (unscaled or 0.0))
            back = self.load.between(restored, up + quiet)
            scenario.failed_in_failback = sum(not r.ok for r in back)
            scenario.failback_failures = _kinds(r for r in back if not r.ok)
        scenario.failures = _kinds(failures)
        self._steady()

    def _quiet_for(self, seconds: float) -> bool:
        """Requests answered over the last `seconds`, none failed."""
        now = time.monotonic()
        recent = self.load.between(now - seconds, now)
        return bool(recent) and all(r.ok for r in recent) and recent[0].at - (now - seconds) < 0.5

    def _door_down(self, start: float) -> float | None:
        return self.door.first(self.primary.cell, "DOWN", start)

    def _expected(self, detection: float) -> tuple[float, float]:
        return detection, detection + (self.stack.door.ttl if self.stack.dns else 0)

    def _kill_server(self) -> None:
        door = self.stack.door
        scenario = Scenario(
            "1 kill server",
            f"SIGKILL the serving process of {self.primary.cell}",
            *self._expected(door.interval * door.failure_threshold),
        )

        def restore() -> float:
            begun = time.monotonic()
            self.primary.start()  # same port; returns once the model is loaded and it is ready
            return time.monotonic() - begun

        self._measure(scenario, self.primary.kill, self._door_down, restore)
        scenario.outcome = (
            "door took the cell out; back after restart" if scenario.detection is not None else ""
        )
        self.report.scenarios.append(scenario)

    def _cut_registry(self) -> None:
        door = self.stack.door
        scenario = Scenario(
            "2 registry unreachable",
            f"connections to {self.primary.cell}'s registry refused",
            *self._expected(door.registry_max_age + door.interval * door.failure_threshold),
        )
        gate = self.primary_reg.gate
        runs_before = len(self.sync.runs)

        def restore() -> None:
            gate.open()

        self._measure(scenario, gate.cut, self._door_down, restore)
        failed_syncs = sum(bool(r.error or r.conflicts) for r in self.sync.runs[runs_before:])
        scenario.outcome = (
            f"replica went not-ready after its alias aged {door.registry_max_age:g} s; "
            f"{failed_syncs} sync run(s) failed meanwhile"
        )
        self.report.scenarios.append(scenario)

    def _broken_version(self) -> None:
        from mlfleet_registry import open_registry

        scenario = Scenario(
            "3 broken version",
            f"a version with an altered signed manifest promoted in {self.primary.cell}",
            SERVING_POLL_SECONDS,
            None,
        )
        url, model = self.primary_reg.url, self.model
        before = self._integrity_failures()
        serving = self._served(self.primary)
        conflicts_before = len(self.sync.runs)
        state: dict[str, str] = {}

        def fault() -> None:
            with self.sync.held():  # a sync tick sees the whole fault or none of it
                version = models.publish_copy(url, model, "drill: broken version")
                models.break_version(url, model, version)
                models.promote(url, model, version, verify=False)  # a promotion that skipped the check
            state["version"] = version

        def detected(start: float) -> float | None:
            return time.monotonic() if self._integrity_failures() > before else None

        def restore() -> None:
            # One more sync run while the broken version is promoted (not waiting for the schedule):
            # what does the sync do with it?
            self.sync.run_once()
            state["copied"] = str(
                state["version"] in open_registry(self.secondary_reg.url).list_versions(model)
            )
            state["refused"] = str(self._served(self.primary) == self._served(self.secondary) == serving)
            models.rollback(url, model)

        self._measure(scenario, fault, detected, restore)
        went_down = scenario.failback is not None  # set only when the door took the primary out
        conflicts = sum(len(r.conflicts) for r in self.sync.runs[conflicts_before:])
        copied = state["copied"] == "True"
        scenario.outcome = (
            f"{state['version']} refused by the replica (kept {serving}, stayed ready"
            + (", but the door took it out" if went_down else "")
            + "); sync "
            + ("COPIED it" if copied else f"did not copy it ({conflicts} conflict report(s))")
            if state["refused"] == "True"
            else f"{state['version']} served: the broken version was NOT refused"
        )
        self.report.scenarios.append(scenario)
