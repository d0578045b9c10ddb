"""Benchmark: `mlfleet preview --all` against its baseline, side by side in one run.

Baseline: the same program for every stack run the way Pulumi documents unit tests (the SDK's
plain `Mocks` and `MockMonitor`, no recording, no plan, no fidelity checks). Both run cold in fresh
processes, as a user would run them. Prints wall times, the engine's overhead ratio and the ratio to
the 10 s budget of issues #2 and #13, with the machine's load average before and after: on a shared
2-core machine a busy neighbour doubles the wall time, so a figure without its load says little.
No test asserts a time (the figures belong in the README's timings, with their load).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BUDGET_SECONDS = 10.0

BASELINE = r"""
import json, runpy, sys, yaml
from pathlib import Path
import pulumi
from pulumi.runtime import settings
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

class Plain(pulumi.runtime.Mocks):
    def new_resource(self, args):
        out = dict(args.inputs)
        out.setdefault("arn", "arn:aws:s3:::" + args.name)
        return args.name + "_id", out
    def call(self, args):
        return {"json": "{}", "accountId": "123456789012", "name": "us-east-1"}

sys.path.insert(0, ".")
for path in sorted(Path("stacks").glob("Pulumi.*.yaml")):
    stack = path.name[len("Pulumi."):-len(".yaml")]
    raw = (yaml.safe_load(path.read_text()) or {}).get("config") or {}
    config = {k: v if isinstance(v, str) else json.dumps(v) for k, v in raw.items()}
    settings.reset_options(project="mlfleet", stack=stack)
    pulumi.runtime.set_all_config(config)
    pulumi.runtime.set_mocks(Plain(), project="mlfleet", stack=stack, preview=False)
    try:
        _sync_await(run_pulumi_func(lambda: runpy.run_path("__main__.py", run_name="__main__")))
    except Exception as exc:  # the plain mocks lack realistic outputs some programs need
        print(f"baseline: {stack}: {type(exc).__name__}", file=sys.stderr)
"""


def timed(cmd: list[str]) -> float:
    t0 = time.perf_counter()
    # The baseline's plain mocks make some programs fail; only the time matters here.
    subprocess.run(cmd, cwd=REPO, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    ours, base = [], []
    load_before = os.getloadavg()
    for _ in range(args.repeat):
        ours.append(timed([sys.executable, "-m", "mlfleet.cli", "preview", "--all", "--quiet"]))
        base.append(timed([sys.executable, "-c", BASELINE]))
    stacks = len(list((REPO / "stacks").glob("Pulumi.*.yaml")))
    o, b = statistics.median(ours), statistics.median(base)
    print(f"stacks: {stacks}, repeats: {args.repeat} (median wall time, cold process)")
    print(f"mlfleet preview --all : {o:6.2f} s")
    print(f"baseline (plain mocks): {b:6.2f} s")
    print(f"engine overhead ratio : {o / b:6.2f}x the baseline")
    print(f"budget ratio          : {o / BUDGET_SECONDS:6.2f} of the {BUDGET_SECONDS:.0f} s budget")
    load_after = os.getloadavg()
    print(
        f"load average (1 min)  : {load_before[0]:.1f} before, {load_after[0]:.1f} after, "
        f"{os.cpu_count()} CPUs"
    )


if __name__ == "__main__":
    main()
