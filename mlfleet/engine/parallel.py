"""Previewing many stacks: in worker processes, one per CPU, stacks of the same clouds together.

Importing a provider SDK's big modules dominates a preview (e.g. pulumi_gcp.compute, pulumi_aws.ec2
take seconds), so a process should import each provider once: stacks are grouped by the clouds
their config names (a multi-cell stack: its cells' clouds), and each group goes to the worker where
it adds the least (the SDKs that worker does not import yet, plus the group's own stacks). A worker
writes its results to a file (never stdout, which the programs may print to).
"""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from mlfleet.engine.errors import PreviewError
from mlfleet.engine.preview import run_preview
from mlfleet.engine.project import Project

PROVIDER_NAMESPACES = ("aws", "gcp", "azure-native", "azure", "kubernetes")


def tune_gc_for_preview() -> None:
    """Collect garbage far less often in a preview process.

    Importing the provider SDKs creates millions of long-lived objects, and the default thresholds
    re-scan them over and over: with these, `preview --all` took 7.5 s instead of 11.8 s here. Only
    for short-lived CLI and worker processes; library callers (tests) keep their own settings.
    """
    gc.set_threshold(100_000, 50, 100)


@dataclass
class StackResult:
    stack: str
    plan: dict[str, Any] | None
    error: str | None
    seconds: float


# Relative cost of importing a cloud's SDK modules and of running one cell's program, measured with
# `python -X importtime` and per-stack timings of `preview --all` here (2026-12: pulumi_gcp.compute
# alone is the largest import; a cell's program runs in about a quarter of its cloud's imports).
IMPORT_COST = {"aws": 4.0, "gcp": 6.0, "azure": 4.0, "azure-native": 4.0, "kubernetes": 1.0}
CELL_COST = 1.0


def stack_clouds(project: Project, stack: str) -> tuple[str, ...]:
    """Which provider SDKs a stack will import, read from its config (only for scheduling):
    `<project>:cloud`, the clouds of `<project>:cells`, else the provider namespaces it configures."""
    try:
        config = (yaml.safe_load(project.stack_file(stack).read_text()) or {}).get("config") or {}
    except (OSError, yaml.YAMLError):
        return ()
    cloud = config.get(f"{project.name}:cloud")
    if isinstance(cloud, str):
        return (cloud,)
    cells = config.get(f"{project.name}:cells")
    if isinstance(cells, list):
        clouds = {str(c["cloud"]) for c in cells if isinstance(c, dict) and isinstance(c.get("cloud"), str)}
        if clouds:
            return tuple(sorted(clouds))
    return tuple(sorted({k.split(":", 1)[0] for k in config if k.split(":", 1)[0] in PROVIDER_NAMESPACES}))


def cloud_signature(project: Project, stack: str) -> str:
    return ",".join(stack_clouds(project, stack))


def schedule(project: Project, stacks: list[str], jobs: int) -> list[list[str]]:
    """Stacks per worker: stacks of the same clouds stay together; each group (costliest first) goes
    to the worker whose load it raises least, a worker's load being the imports of every cloud it
    touches plus its stacks' cells."""
    groups: dict[tuple[str, ...], list[str]] = {}
    for stack in stacks:
        groups.setdefault(stack_clouds(project, stack), []).append(stack)

    def own_cost(clouds: tuple[str, ...], members: list[str]) -> float:
        return sum(IMPORT_COST.get(c, 1.0) for c in clouds) + CELL_COST * len(members) * max(1, len(clouds))

    workers = max(1, min(jobs, len(groups)))
    buckets: list[list[str]] = [[] for _ in range(workers)]
    clouds_of: list[set[str]] = [set() for _ in range(workers)]
    loads = [0.0] * workers
    for clouds, members in sorted(groups.items(), key=lambda g: own_cost(*g), reverse=True):

        def added(i: int, clouds: tuple[str, ...] = clouds, members: list[str] = members) -> float:
            new = sum(IMPORT_COST.get(c, 1.0) for c in set(clouds) - clouds_of[i])
            return new + CELL_COST * len(members) * max(1, len(clouds))

        best = min(range(workers), key=lambda i: (loads[i] + added(i), loads[i]))
        loads[best] += added(best)
        clouds_of[best] |= set(clouds)
        buckets[best].extend(members)
    return [b for b in buckets if b]


def preview_in_process(project: Project, stacks: list[str]) -> Iterator[StackResult]:
    for stack in stacks:
        started = time.perf_counter()
        try:
            plan = run_preview(project.directory, stack, project)
        except PreviewError as exc:
            yield StackResult(stack, None, str(exc), time.perf_counter() - started)
        else:
            yield StackResult(stack, plan, None, time.perf_counter() - started)


def preview_many(project: Project, stacks: list[str], jobs: int | None = None) -> list[StackResult]:
    """Results in the order of `stacks`."""
    jobs = jobs if jobs is not None else (os.cpu_count() or 1)
    buckets = schedule(project, stacks, jobs)
    if len(buckets) <= 1:
        return list(preview_in_process(project, stacks))
    with tempfile.TemporaryDirectory(prefix="mlfleet-preview-") as tmp:
        procs = []
        for i, bucket in enumerate(buckets):
            out = Path(tmp) / f"worker-{i}.json"
            cmd = [sys.executable, "-m", "mlfleet.engine.parallel", str(project.directory), str(out), *bucket]
            procs.append((subprocess.Popen(cmd), out, bucket))
        results: dict[str, StackResult] = {}
        for proc, out, bucket in procs:
            code = proc.wait()
            if code != 0 or not out.exists():
                for stack in bucket:
                    results[stack] = StackResult(
                        stack, None, f"stack '{stack}': preview worker failed ({code})", 0
                    )
                continue
            for item in json.loads(out.read_text()):
                results[item["stack"]] = StackResult(**item)
    return [results[s] for s in stacks]


def _worker(argv: list[str]) -> None:
    from mlfleet.engine.project import load_project

    tune_gc_for_preview()
    directory, out, *stacks = argv
    project = load_project(Path(directory))
    items = [r.__dict__ for r in preview_in_process(project, stacks)]
    Path(out).write_text(json.dumps(items))


if __name__ == "__main__":
    _worker(sys.argv[1:])
