"""The cross-cloud registry sync on a schedule, primary -> secondary: the registry's own
`sync_registries` (what `mlfleet models sync` and the stack's sync workload run), every period. A fault
is injected while the schedule is held, so that a tick never sees half of it."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass(frozen=True)
class SyncRun:
    at: float  # time.monotonic() at the end of the run
    copied: tuple[str, ...]
    conflicts: tuple[str, ...]
    error: str = ""


@dataclass
class SyncSchedule:
    src_url: str
    dst_url: str
    period: float
    runs: list[SyncRun] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _hold: threading.Lock = field(default_factory=threading.Lock)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        self.run_once()  # the secondary starts with the primary's models, as after a first deploy
        self._thread = threading.Thread(target=self._loop, daemon=True, name="drill-sync")
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=60)

    @contextmanager
    def held(self) -> Iterator[None]:
        with self._hold:
            yield

    def _loop(self) -> None:
        while not self._stop.wait(self.period):
            self.run_once()

    def run_once(self) -> None:
        from mlfleet_registry import open_registry, sync_registries

        with self._hold:
            try:
                report = sync_registries(open_registry(self.src_url), open_registry(self.dst_url))
                run = SyncRun(time.monotonic(), tuple(report.versions_copied), tuple(report.conflicts))
            # Any failure fails this run only (the primary's registry unreachable, a client error
            # type of one cloud's SDK): the next tick retries, as the scheduled job would.
            except Exception as exc:  # noqa: BLE001
                run = SyncRun(time.monotonic(), (), (), " ".join(str(exc).split())[:200])
        self.runs.append(run)
