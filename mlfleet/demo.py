"""`make demo`: the whole platform on the embedded default, with no cloud account.

1. train a model and register it in the local registry (.mlfleet/registry), promoted to production;
2. serve it: start the FastAPI server on 127.0.0.1, send real predictions, show metrics, stop it;
3. preview every stack offline (plans written to .mlfleet/plans/);
4. run the policy pack over every plan through the analyzer protocol.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
PLANS_DIR = REPO_ROOT / ".mlfleet" / "plans"


def _step(title: str) -> float:
    print(f"\n=== {title} ===", flush=True)
    return time.perf_counter()


def main() -> int:
    from mlfleet_registry import open_registry
    from mlfleet_trainer.config import load_config
    from mlfleet_trainer.errors import TrainerError
    from mlfleet_trainer.run import train

    started = time.perf_counter()
    registry = open_registry(str(REPO_ROOT / ".mlfleet" / "registry"))

    t0 = _step("1/4 train: 50-tree random forest on the bundled breast-cancer data -> local registry")
    config = load_config(None)
    try:
        result = train(config, registry.url)
    except TrainerError as exc:  # e.g. the gate kept the current production model: serve that one
        print(f"not registered: {exc}")
    else:
        promoted = f", {result.promoted_to} -> {result.manifest.version}" if result.promoted_to else ""
        print(f"registered {result.manifest.name} {result.manifest.version}{promoted} in {registry.url}")
        print(f"metrics: {result.manifest.metrics}")
    print(f"({time.perf_counter() - t0:.1f} s)")

    t0 = _step("2/4 serve: start the model server, send real predictions, read /metrics, stop")
    from mlfleet_serving.demo import run_demo

    run_demo(registry.url, config.model_name)
    print(f"({time.perf_counter() - t0:.1f} s)")

    t0 = _step("3/4 preview every stack offline (Pulumi SDK mock runtime)")
    from mlfleet.commands.preview import show_previews
    from mlfleet.engine.parallel import preview_many, tune_gc_for_preview
    from mlfleet.engine.project import load_project
    from mlfleet.engine.render import render_summary

    tune_gc_for_preview()
    project = load_project(REPO_ROOT)
    results = show_previews(
        preview_many(project, project.stacks()), quiet=False, plan_path=lambda s: PLANS_DIR / f"{s}.json"
    )
    print(render_summary(results, time.perf_counter() - t0))
    plans = {r.stack: r.plan for r in results if r.plan is not None}

    _step("4/4 policy pack over every plan (the analyzer gRPC protocol the Pulumi CLI uses)")
    from mlfleet.policycheck import summary

    policies_ok = summary(plans)
    failed = [r.stack for r in results if r.error]
    print(f"\ndemo finished in {time.perf_counter() - started:.1f} s")
    if failed or not policies_ok:
        reason = f"previews failed for {failed}" if failed else "mandatory policy violations"
        print(f"demo FAILED: {reason}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
